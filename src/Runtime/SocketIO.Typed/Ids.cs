using System.Security.Cryptography;

namespace SocketIO.Typed;

/// <summary>Random ids for sessions and sockets: 15 random bytes as 20 URL-safe base64 characters, like engine.io's base64id.</summary>
internal static class Ids
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }
}
