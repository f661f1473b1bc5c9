// A client project that references only the SocketIO.Typed package: the generator and the analyzers come with it.
// BrokenProjectTests reads the "expect" markers.
using System.Threading.Tasks;
using SocketIO.Typed;
using SocketIO.Typed.Client;

namespace ClientOnly;

[SocketIOContract]
public interface IServer
{
    Task<string> Join(string room);
    void Leave(string room); // expect: SIO0002
}

[SocketIOContract]
public interface IClient
{
    Task Said(string text);
}

public static class Program
{
    public static async Task Run(SocketIOManager io)
    {
        io.Of("chat"); // expect: SIO0022
        await io.Socket.EmitAsync("disconnect"); // expect: SIO0021
        await io.Socket.EmitAsync("join", "lobby"); // expect: SIO0020
    }
}
