using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// The python-socketio client (Debian's python3-socketio 5.7.2 with aiohttp, driven by <c>python/client.py</c>) against
/// our server, over long-polling only, WebSocket only, and polling upgraded to WebSocket: the scenarios of
/// <see cref="JavaScriptClientTests"/> with the same checks on the server and the result. The python script checks what
/// the client received and fails on any difference. What python-socketio cannot express is left out, as client.py
/// explains: the client's own disconnect reasons (its disconnect handler gets none), leaving one namespace of a
/// connection, connecting a namespace again on the same connection, and connection state recovery.
/// </summary>
public sealed class PythonClientTests(ITestOutputHelper output)
{
    public static TheoryData<string> Transports { get; } = new() { "polling", "websocket", "upgrade" };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Connect_with_auth_payload_echoes_auth_and_socket_id(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("connect", transport);

        string socketId = result.GetProperty("socketId").GetString()!;
        Assert.NotEqual(result.GetProperty("engineId").GetString(), socketId);
        const string ExpectedAuth = """{"token":"abc","n":1.5,"list":[1,"two",null,true,{"deep":"é✓"}],"text":"é✓ 😀"}""";
        AssertJson(ExpectedAuth, result.GetProperty("auth"));
        // The server knows a socket with the id the client got, and saw the same auth payload.
        AssertJson(ExpectedAuth, await server.Probe.WaitAsync<JsonElement>("auth:" + socketId));
        AssertJson("{}", await server.Probe.WaitAsync<JsonElement>("auth:" + result.GetProperty("bareSocketId").GetString()));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Events_with_mixed_json_arguments_travel_both_ways(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("events", transport);

        Assert.Equal(
            "count=12|int=42|negative=-7|double=3.25|long=9007199254740991|text=é✓ «ünïcödé» 😀 日本語|" +
            "escaped=quote \" backslash \\ slash / newline \n tab \t nul-ish \u0001 </script>|bool=True|isNull=True|deep=é✓|key=значение",
            await server.Probe.WaitAsync<string>("events:parsed"));
        AssertJson(
            """[42,-7,3.25,9007199254740991,"é✓ 😀",true,false,null,{"list":[1,"x",null],"é":"✓","nested":{"deeper":[true]}},[1.5,{}],{"fromJsonElement":[1,"é✓"]}]""",
            result.GetProperty("serverValues"));
        Assert.Equal(12, result.GetProperty("echoed").GetArrayLength());
        AssertJson("""["ü",1]""", result.GetProperty("unicodeArgs"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Binary_attachments_are_echoed_and_built_by_the_server(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("binary", transport);

        Assert.Equal("000102fdfeff", await server.Probe.WaitAsync<string>("binary:received"));
        Assert.Equal("000102fdfeff", result.GetProperty("echoedData").GetString());
        Assert.Equal("c3a9e29c93", result.GetProperty("echoedNested").GetString());
        Assert.Equal(100_000, result.GetProperty("echoedBigLength").GetInt32());
        Assert.Equal(Convert.ToHexStringLower([.. Enumerable.Range(0, 256).Select(i => (byte)i)]), result.GetProperty("built").GetString());
        Assert.Equal("fffefd020100", result.GetProperty("reversed").GetString());
        Assert.Equal(100_000, result.GetProperty("bigLength").GetInt32());
        Assert.Equal(Enumerable.Range(0, 100_000).Sum(i => (long)((i * 7) & 0xFF)), result.GetProperty("bigSum").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Acknowledgements_work_both_ways_with_binary(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("ack", transport);

        Assert.True(await server.Probe.WaitAsync<bool>("ack:sum-has-ack"));
        Assert.Equal(5, result.GetProperty("sum").GetInt32());
        Assert.Equal("é✓", result.GetProperty("text").GetString());
        Assert.Equal("030201", result.GetProperty("reversed").GetString());
        Assert.Equal("ff00", result.GetProperty("nestedBin").GetString());
        Assert.Equal(0, result.GetProperty("emptyAck").GetArrayLength());
        // Server -> client: the client's ack answered 7 * 6, [1,2,3] + [4] and a nested buffer; an unanswered emit timed out.
        Assert.Equal("42|01020304|c3a9e29c93|True|0|timeout", await server.Probe.WaitAsync<string>("ack:server-side"));
    }

    // python-socketio cannot leave one namespace and keep the other: the JavaScript test's afterNsp has no counterpart.
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Namespaces_share_one_connection_and_unknown_namespace_is_refused(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("namespaces", transport);

        Assert.Equal("Invalid namespace", result.GetProperty("nopeError").GetProperty("message").GetString());
        Assert.NotEqual(result.GetProperty("chatId").GetString(), result.GetProperty("mainId").GetString());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Middleware_refuses_with_message_and_data_then_accepts_good_token(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("middleware", transport);

        JsonElement refused = result.GetProperty("refused");
        Assert.Equal("Not authorized", refused.GetProperty("message").GetString());
        Assert.Equal(42, refused.GetProperty("data").GetProperty("code").GetInt32());
        Assert.Equal("Not authorized", result.GetProperty("refusedNoToken").GetProperty("message").GetString());
        Assert.Equal("good", result.GetProperty("token").GetString());
        Assert.Equal(2, server.Probe.Count("secure:refused"));
        Assert.Equal(1, server.Probe.Count("secure:connected"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Room_broadcasts_reach_members_only_and_socket_To_skips_the_sender(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("rooms", transport);

        AssertJson(
            """{"A":["room-msg:1:to r","room-msg:2:to r","room-excl:2:B"],"B":["room-msg:1:to r","room-excl:1:A"],"C":[]}""",
            result.GetProperty("received"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Broadcast_with_acks_collects_every_answer(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("broadcastAck", transport);

        Assert.Equal("2|2|True|A,B", await server.Probe.WaitAsync<string>("broadcast-ack:2000"));
        // With a third socket that never answers, the broadcast times out with 2 of 3 answers.
        Assert.Equal("2|3|False|A,B", await server.Probe.WaitAsync<string>("broadcast-ack:1500"));
        AssertJson("""{"count":2,"expected":2,"all":true,"responses":[{"who":"A","n":2},{"who":"B","n":2}]}""", result.GetProperty("first"));
        AssertJson("""{"count":2,"expected":3,"all":false}""", result.GetProperty("second"));
    }

    // python-socketio's disconnect handler gets no reason: on the client side only that it ran ("disconnect") is known.
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Disconnect_reasons_match_socket_io_on_the_server_side(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunPythonClientAsync("disconnect", transport);

        JsonElement kicked = result.GetProperty("kicked");
        Assert.Equal("disconnect", kicked.GetProperty("client").GetString());
        Assert.Equal("server namespace disconnect", await server.Probe.WaitAsync<string>("disconnect:" + kicked.GetProperty("id").GetString()));

        // python-socketio's disconnect() sends DISCONNECT ("41") on polling only: on WebSocket it closes the socket before
        // its write loop sends the packet, so the server sees a bare close frame (see client.py).
        JsonElement leaving = result.GetProperty("leaving");
        Assert.Equal("disconnect", leaving.GetProperty("client").GetString());
        Assert.Equal(transport == "polling" ? "polling" : "websocket", leaving.GetProperty("transport").GetString());
        Assert.Equal(
            transport == "polling" ? "client namespace disconnect" : "transport close",
            await server.Probe.WaitAsync<string>("disconnect:" + leaving.GetProperty("id").GetString()));

        JsonElement closing = result.GetProperty("closing");
        Assert.Equal("disconnect", closing.GetProperty("client").GetString());
        Assert.Equal(transport == "polling" ? "polling" : "websocket", closing.GetProperty("transport").GetString());
        Assert.Equal("transport close", await server.Probe.WaitAsync<string>("disconnect:" + closing.GetProperty("id").GetString()));
    }

    private static void AssertJson(string expected, JsonElement actual)
    {
        using JsonDocument expectedDocument = JsonDocument.Parse(expected);
        Assert.True(
            JsonElement.DeepEquals(expectedDocument.RootElement, actual),
            $"JSON differs.\nExpected: {expected}\nActual:   {actual.GetRawText()}");
    }
}
