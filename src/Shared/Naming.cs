using System;
using System.Text;

namespace SocketIO.Typed.SourceGeneration;

/// <summary>Name policies, as <c>System.Text.Json</c>'s <c>JsonNamingPolicy</c> applies them.</summary>
internal static class Naming
{
    /// <summary><c>JsonNamingPolicy.CamelCase</c>: the leading upper-case run is lowered, except the last letter of a run followed by a lower-case letter.</summary>
    public static string CamelCase(string name)
    {
        if (string.IsNullOrEmpty(name) || !char.IsUpper(name[0]))
        {
            return name;
        }

        char[] chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (i == 1 && !char.IsUpper(chars[i]))
            {
                break;
            }

            bool hasNext = i + 1 < chars.Length;
            if (i > 0 && hasNext && !char.IsUpper(chars[i + 1]))
            {
                if (chars[i + 1] == ' ')
                {
                    chars[i] = char.ToLowerInvariant(chars[i]);
                }

                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    /// <summary>Words joined by <paramref name="separator"/>, lower case (<c>JsonNamingPolicy.SnakeCaseLower</c>/<c>KebabCaseLower</c>).</summary>
    public static string Separated(string name, char separator)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool startsWord = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (builder.Length > 0 && builder[builder.Length - 1] != separator && (previousIsLowerOrDigit || startsWord))
                {
                    builder.Append(separator);
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else if (c == '_' || c == '-' || c == ' ')
            {
                if (builder.Length > 0 && builder[builder.Length - 1] != separator)
                {
                    builder.Append(separator);
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The event name of a contract method under a contract's naming (the values of <c>SocketIOEventNaming</c>).</summary>
    public static string EventName(string methodName, int naming) => naming switch
    {
        1 => methodName,
        2 => Separated(methodName, '_'),
        3 => Separated(methodName, '-'),
        _ => CamelCase(methodName),
    };
}
