using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static SocketIO.Typed.Browser.Tests.ChatBrowserTests;

namespace SocketIO.Typed.Browser.Tests;

/// <summary>
/// One chat on two nodes of a cluster: the chat sample (our server, SIO_ADAPTER) and its Node twin (the official
/// socket.io 4.8.4 with the official adapter: tests/SocketIO.Typed.Interop.Tests/node/chat-node.mjs) on one private
/// Redis or PostgreSQL. A page on each node and the .NET console client chat together as if on one server, and the
/// emitter sample, a console app on the broker alone, reaches all of them.
/// </summary>
public sealed class ClusterChatBrowserTests(ITestOutputHelper output)
{
    private static readonly byte[] s_png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    static ClusterChatBrowserTests()
    {
        SetDefaultExpectTimeout(30_000);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task A_dotnet_node_and_a_Node_node_serve_one_chat(string adapter)
    {
        await using IClusterBroker broker = adapter == "redis" ? await RedisServer.StartAsync() : await PostgresServer.StartAsync();
        int dotnetPort = ChildProcesses.FreePort();
        int nodePort = ChildProcesses.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = dotnetPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SIO_ADAPTER"] = adapter,
            ["SIO_ADAPTER_CONNECTION"] = broker.Url,
        };
        await using SampleProcess dotnet = SampleProcess.Start("Chat", output, environment);
        await using SampleProcess node = SampleProcess.StartNode("chat-node.mjs", output,
            "--port", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--adapter", adapter, "--connection", broker.Url,
            "--wwwroot", Path.Combine(SampleProcess.RepoRoot, "samples", "Chat", "wwwroot"));
        await dotnet.WaitForLineAsync($"One node of a cluster ({adapter})");
        await node.WaitForLineAsync("Chat twin: listening");

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await Chromium.LaunchAsync(playwright);
        IPage ann = await OpenAsync(browser, $"http://localhost:{dotnetPort}/", "ann");   // on our server
        IPage bob = await OpenAsync(browser, $"http://127.0.0.1:{nodePort}/", "bob");    // on Node's

        // Each page lists both: the users list is read with FetchSockets across the cluster.
        await Expect(User(ann, "bob")).ToHaveCountAsync(1);
        await Expect(User(ann, "ann (you)")).ToHaveCountAsync(1);
        await Expect(User(bob, "ann")).ToHaveCountAsync(1);
        await Expect(User(bob, "bob (you)")).ToHaveCountAsync(1);

        // Typing (volatile) and messages, both ways; each sender's own server acknowledges.
        await ann.Locator("#text").PressSequentiallyAsync("hel");
        await Expect(bob.Locator("#typing")).ToHaveTextAsync("ann is typing…");
        await SendAsync(ann, "hello from the .NET node");
        await Expect(Received(bob, "hello from the .NET node")).ToHaveCountAsync(1);
        await Expect(Delivered(ann, "hello from the .NET node")).ToHaveCountAsync(1);
        await SendAsync(bob, "hello from the Node node");
        await Expect(Received(ann, "hello from the Node node")).ToHaveCountAsync(1);
        await Expect(Delivered(bob, "hello from the Node node")).ToHaveCountAsync(1);

        // Images (binary attachments: MessagePack on Redis, the attachments table on PostgreSQL), both ways.
        await bob.Locator("#image").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = s_png });
        await Expect(ann.Locator($"#messages li.theirs img[data-size='{s_png.Length}']")).ToHaveCountAsync(1);
        await ann.Locator("#image").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = s_png });
        await Expect(bob.Locator($"#messages li.theirs img[data-size='{s_png.Length}']")).ToHaveCountAsync(1);

        // The .NET console client, on the Node node this time, talks with both pages.
        await using (SampleProcess console = SampleProcess.Start("Chat.Client", output, null, $"http://127.0.0.1:{nodePort}/", "carl", "general"))
        {
            await console.WaitForLineAsync("* joined general");
            await Expect(User(ann, "carl")).ToHaveCountAsync(1);
            await SendAsync(ann, "hi carl");
            await console.WaitForLineAsync("[general] ann: hi carl");
            await console.WriteLineAsync("hello both nodes");
            await Expect(Received(ann, "hello both nodes")).ToHaveCountAsync(1);
            await Expect(Received(bob, "hello both nodes")).ToHaveCountAsync(1);

            // The emitter sample, with no server of its own, reaches the room on both nodes through the broker.
            await using SampleProcess emitter = SampleProcess.Start("Cluster.Emitter", output,
                new Dictionary<string, string> { ["SIO_ADAPTER"] = adapter, ["SIO_ADAPTER_CONNECTION"] = broker.Url }, "general", "maintenance at noon");
            await emitter.WaitForLineAsync("Cluster.Emitter: sent to general");
            await Expect(ann.Locator("#messages li.notice").Filter(new() { HasText = "maintenance at noon" })).ToHaveCountAsync(1);
            await Expect(bob.Locator("#messages li.notice").Filter(new() { HasText = "maintenance at noon" })).ToHaveCountAsync(1);
            await console.WaitForLineAsync("* maintenance at noon");
        }

        // Carl quits and bob closes his page: the pages on the other node hear of it.
        await Expect(User(ann, "carl")).ToHaveCountAsync(0);
        await bob.CloseAsync();
        await Expect(User(ann, "bob")).ToHaveCountAsync(0);
        await Expect(ann.Locator("#messages li.notice").Filter(new() { HasText = "bob left" })).ToHaveCountAsync(1);
    }
}
