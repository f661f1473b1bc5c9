// Every SocketIO.Typed rule once, each on the line its "expect" comment marks (BuildTests reads these markers).
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using SocketIO.Typed;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server;

namespace Broken;

public abstract class Animal { public string Name { get; set; } = ""; }

[SocketIOContract]
public interface IContractMistakes
{
    string Room { get; } // expect: SIO0001
    void Fire(); // expect: SIO0002
    Task Generic<T>(T value); // expect: SIO0003
    Task ByRef(ref int value); // expect: SIO0004
    Task Send();
    [SocketIOEvent("send")] Task SendAgain(); // expect: SIO0005
    Task Disconnect(); // expect: SIO0006
    Task Feed(Animal animal); // expect: SIO0007
    Task Early(CancellationToken token, int x); // expect: SIO0009
    Task Twice();
    Task Twice(int x); // expect: SIO0010
    [SocketIOEvent(" ")] Task Blank(); // expect: SIO0011
    Task Callback(Action done); // expect: SIO0012
}

[SocketIOContract] public class NotAnInterface { } // expect: SIO0013

[SocketIOContract(Namespace = "/chat")]
public interface IChatServer { Task Say(string text); Task<int> Count(); }

[SocketIOContract(Namespace = "/chat")]
public interface IChatClient { Task Said(string text); }

public interface INotAContract { Task Said(string text); }

public sealed class ChatHandler : IChatClient { public Task Said(string text) => Task.CompletedTask; }

[SocketIOHub] public abstract partial class AbstractHub : SocketHub<IChatClient>, IChatServer // expect: SIO0008
{ public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }

[SocketIOHub] public sealed class NotPartialHub : SocketHub<IChatClient>, IChatServer // expect: SIO0014
{ public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }

[SocketIOHub]
public sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer
{
    public Task Say(string text) => Task.CompletedTask;

    public Task<int> Count() => Task.FromResult(Load().Result); // expect: SIO0018

    public async void Later() => await Task.Yield(); // expect: SIO0017

    private static Task<int> Load() => Task.FromResult(1);
}

[SocketIOHub] public sealed partial class WrongClientHub : SocketHub<INotAContract>, IChatServer // expect: SIO0016
{ public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }

public static class Startup
{
    public static async Task Run(WebApplication app, SocketIOManager manager, SocketIOSocket socket)
    {
        SocketIOServer io = app.MapSocketIO();
        io.MapNamespace<ChatHub>("/lobby"); // expect: SIO0015
        await io.Of("/chat").To("room").EmitWithAckAsync("ready"); // expect: SIO0019
        await socket.EmitAsync("said", "hi"); // expect: SIO0020
        await socket.EmitAsync("disconnect"); // expect: SIO0021
        io.Of("chat"); // expect: SIO0022
        manager.Of<IChatServer, IChatClient>("/chat", new ChatHandler());
    }
}
