using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SocketIO.Typed.AspNetCore.EngineIO;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Bad or hostile peers cost a bounded amount and get a clear error; the server stays up.</summary>
public sealed class RobustnessTests
{
    private static async Task AssertClosedAsync(TestServer server, PollingPeer peer)
    {
        // The session is closed: a poll carries the close packet, or the session is already gone (400).
        using HttpResponseMessage poll = await server.Http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={peer.Sid}");
        string body = await poll.Content.ReadAsStringAsync();
        Assert.True(poll.StatusCode == HttpStatusCode.BadRequest || body.Split('\u001e').Contains("1"), body);
    }

    [Fact]
    public async Task A_packet_that_declares_more_attachments_than_allowed_closes_the_connection()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.MaxAttachments = 3);
        PollingPeer ok = await server.Peer().OpenAsync();
        await ok.ConnectAsync();
        await ok.PostAsync("453-[\"x\",{\"_placeholder\":true,\"num\":0}]\u001ebAQ==\u001ebAg==\u001ebAw==");

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("454-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        await AssertClosedAsync(server, peer);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 101 && e.Message.Contains("4 attachments declared, at most 3 allowed", StringComparison.Ordinal));

        // The other connection is untouched.
        await ok.PostAsync("42[\"still\"]");
        Assert.Single(server.Io.Sockets.Sockets);
    }

    [Fact]
    public async Task The_attachments_of_one_packet_are_bounded_in_bytes_also_before_any_namespace_connect()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.EngineIO.MaxHttpBufferSize = 1000);
        PollingPeer peer = await server.Peer().OpenAsync();

        // No CONNECT: the packet is for a namespace this client never joined, and still only 1000 bytes may wait.
        string chunk = "b" + Convert.ToBase64String(new byte[600]);
        await peer.PostAsync("452-[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await peer.PostAsync(chunk);
        using HttpResponseMessage second = await peer.TryPostAsync(chunk);
        await AssertClosedAsync(server, peer);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 101 && e.Message.Contains("exceed 1000 bytes", StringComparison.Ordinal));
    }

    // A POST whose headers promise 100 bytes and whose body then stalls after a few.
    private static async Task<Socket> StartStalledPostAsync(TestServer server, string sid)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Url.Host, server.Url.Port);
        string head = $"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {server.Url.Authority}\r\n" +
            "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 100\r\n\r\n42";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        return socket;
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new StringBuilder();
        byte[] buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(15))) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException)
        {
            // Reset: the server aborted the request.
        }

        return received.ToString();
    }

    [Fact]
    public async Task A_polling_POST_still_reading_its_body_ends_with_its_session()
    {
        // No minimum body rate: only the session's end can stop this request.
        await using TestServer server = await TestServer.StartAsync(kestrel: k => k.Limits.MinRequestBodyDataRate = null);
        PollingPeer peer = await server.Peer().OpenAsync();
        using Socket post = await StartStalledPostAsync(server, peer.Sid);
        await Task.Delay(100);

        Assert.True(server.Io.EngineIO.TryGetSession(peer.Sid, out EngineIOSocket? session));
        session.Close();
        string answer = await ReadToEndAsync(post);
        Assert.DoesNotContain("200 OK", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_too_slow_for_Kestrel_is_answered_with_an_error_status_and_closes_the_session()
    {
        await using TestServer server = await TestServer.StartAsync(
            kestrel: k => k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100, gracePeriod: TimeSpan.FromSeconds(2)));
        PollingPeer peer = await server.Peer().OpenAsync();
        using Socket post = await StartStalledPostAsync(server, peer.Sid);

        string answer = await ReadToEndAsync(post);
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.False(server.Io.EngineIO.TryGetSession(peer.Sid, out _));
    }
}
