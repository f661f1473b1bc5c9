// The trio's contracts: a class library that references only the SocketIO.Typed package.
using System.Threading.Tasks;
using SocketIO.Typed;

// TypeScript declarations for a browser client, written by the package's build logic (SocketIOTypeScriptOutput).
[assembly: SocketIOTypeScript(typeof(Trio.Contracts.ITrioServer), typeof(Trio.Contracts.ITrioClient))]

namespace Trio.Contracts;

/// <summary>What a client calls on the server.</summary>
[SocketIOContract]
public interface ITrioServer
{
    /// <summary>Joins a room; answers its name.</summary>
    Task<string> Join(string room);

    /// <summary>Says a note to a room.</summary>
    Task Say(string room, Note note);
}

/// <summary>What the server calls on a client.</summary>
[SocketIOContract]
public interface ITrioClient
{
    /// <summary>A note said in a room the client is in.</summary>
    Task Heard(Note note);
}

/// <summary>A payload with a record shape, serialized by the generated code.</summary>
public sealed record Note(string From, string Text, int Number);
