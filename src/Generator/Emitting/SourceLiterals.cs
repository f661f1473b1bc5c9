using System.Globalization;
using System.Text;

namespace SocketIO.Typed.Generator.Parsing;

/// <summary>C# literals for values the generator embeds.</summary>
internal static class SourceLiterals
{
    public static string String(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            builder.Append(Escape(c, '"'));
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A UTF-8 string literal (<c>"name"u8</c>).</summary>
    public static string Utf8(string value) => String(value) + "u8";

    public static string Char(char value) => "'" + Escape(value, '\'') + "'";

    private static string Escape(char c, char quote)
    {
        if (c == quote || c == '\\')
        {
            return "\\" + c;
        }

        return c switch
        {
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\0' => "\\0",
            _ when c < ' ' || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029' || c == '\u0085' => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
            _ => c.ToString(),
        };
    }
}
