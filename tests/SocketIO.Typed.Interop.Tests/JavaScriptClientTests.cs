using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// The official JavaScript client (socket.io-client 4.8.4 on Node) against our server, over long-polling only,
/// WebSocket only, and polling upgraded to WebSocket. The node script checks what the client received and fails
/// on any difference; these tests check its report and what the server recorded.
/// </summary>
public sealed class JavaScriptClientTests(ITestOutputHelper output)
{
    public static TheoryData<string> Transports { get; } = new() { "polling", "websocket", "upgrade" };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Connect_with_auth_payload_echoes_auth_and_socket_id(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("connect", transport);

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

        JsonElement result = await server.RunClientAsync("events", transport);

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

        JsonElement result = await server.RunClientAsync("binary", transport);

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

        JsonElement result = await server.RunClientAsync("ack", transport);

        Assert.True(await server.Probe.WaitAsync<bool>("ack:sum-has-ack"));
        Assert.Equal(5, result.GetProperty("sum").GetInt32());
        Assert.Equal("é✓", result.GetProperty("text").GetString());
        Assert.Equal("030201", result.GetProperty("reversed").GetString());
        Assert.Equal("ff00", result.GetProperty("nestedBin").GetString());
        Assert.Equal(0, result.GetProperty("emptyAck").GetArrayLength());
        // Server -> client: the client's ack answered 7 * 6, [1,2,3] + [4] and a nested buffer; an unanswered emit timed out.
        Assert.Equal("42|01020304|c3a9e29c93|True|0|timeout", await server.Probe.WaitAsync<string>("ack:server-side"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Namespaces_share_one_connection_and_unknown_namespace_is_refused(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("namespaces", transport);

        Assert.Equal("Invalid namespace", result.GetProperty("nopeError").GetProperty("message").GetString());
        Assert.NotEqual(result.GetProperty("chatId").GetString(), result.GetProperty("mainId").GetString());
        Assert.Equal("/", result.GetProperty("afterNsp").GetString());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Middleware_refuses_with_message_and_data_then_accepts_good_token(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("middleware", transport);

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

        JsonElement result = await server.RunClientAsync("rooms", transport);

        AssertJson(
            """{"A":["room-msg:1:to r","room-msg:2:to r","room-excl:2:B"],"B":["room-msg:1:to r","room-excl:1:A"],"C":[]}""",
            result.GetProperty("received"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Broadcast_with_acks_collects_every_answer(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("broadcastAck", transport);

        Assert.Equal("2|2|True|A,B", await server.Probe.WaitAsync<string>("broadcast-ack:2000"));
        // With a third socket that never answers, the broadcast times out with 2 of 3 answers.
        Assert.Equal("2|3|False|A,B", await server.Probe.WaitAsync<string>("broadcast-ack:1500"));
        AssertJson("""{"count":2,"expected":2,"all":true,"responses":[{"who":"A","n":2},{"who":"B","n":2}]}""", result.GetProperty("first"));
        AssertJson("""{"count":2,"expected":3,"all":false}""", result.GetProperty("second"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Disconnect_reasons_match_socket_io_on_both_sides(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("disconnect", transport);

        JsonElement kicked = result.GetProperty("kicked");
        Assert.Equal("io server disconnect", kicked.GetProperty("client").GetString());
        Assert.Equal("server namespace disconnect", await server.Probe.WaitAsync<string>("disconnect:" + kicked.GetProperty("id").GetString()));

        JsonElement leaving = result.GetProperty("leaving");
        Assert.Equal("io client disconnect", leaving.GetProperty("client").GetString());
        Assert.Equal("client namespace disconnect", await server.Probe.WaitAsync<string>("disconnect:" + leaving.GetProperty("id").GetString()));

        JsonElement closing = result.GetProperty("closing");
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
