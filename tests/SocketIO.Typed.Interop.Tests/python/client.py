"""Drives the python-socketio client (Debian's python3-socketio 5.7.2 with python3-aiohttp) against a SocketIO.Typed
server: the python counterpart of node/client.mjs, with the same scenarios and the same self-checks.

    /usr/bin/python3 client.py <scenario> <url> <polling|websocket|upgrade>

Runs one scenario, checks what the client saw, and prints ONE JSON line to stdout:
    {"ok": true, "scenario": "connect", "mode": "upgrade", "transport": "websocket", "upgraded": true, ...}
Exit code 0 on success; on failure a message on stderr (and {"ok": false, ...} on stdout) and exit code 1; exit code 2
for a scenario python-socketio cannot express (see NOT_EXPRESSIBLE). The process always ends by itself: a hard timer
exits with code 3 after HARD_LIMIT seconds.

What python-socketio 5.7.2 (socketio/asyncio_client.py, engineio/asyncio_client.py) does differently from
socket.io-client, and how the scenarios deal with it:
- One socketio.AsyncClient is one Engine.IO connection (a socket.io-client Manager) and connects ALL its namespaces
  at once, in connect(); it cannot open another namespace later on the same connection, nor leave just one
  namespace (AsyncClient.disconnect() sends DISCONNECT for every namespace and closes the connection).
- The auth payload belongs to the connection: every namespace gets the same one, and a different one needs a new
  connection. Without auth it still sends {} (`real_auth = ... or {}` in _handle_eio_connect).
- The disconnect handler gets no reason (_trigger_event('disconnect', namespace=n) passes no arguments).
- On WebSocket, AsyncClient.disconnect() puts no DISCONNECT packet on the wire, only a close frame (see the
  disconnect scenario): the server sees a lost transport.
- An event the server sent with an acknowledgement id is answered with the handler's return value as soon as the
  handler returns (_handle_event): a handler that must not answer never returns.
- The upgrade from polling to WebSocket happens inside connect(), before it returns (_connect_polling calls
  _connect_websocket right after the handshake): there is nothing to wait for afterwards.
"""
import asyncio
import json
import os
import sys
import threading
import traceback

import socketio

HARD_LIMIT = 15.0
STEP_TIMEOUT = 5.0

TRANSPORTS = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": ["polling", "websocket"],
}

# Scenarios of client.mjs that python-socketio 5.7.2 cannot run, and why.
NOT_EXPRESSIBLE = {
    # Connection state recovery needs the private session id (pid) the server sends in its CONNECT reply, sent back
    # in the next CONNECT with the offset of the last event received. AsyncClient._handle_connect keeps only
    # data['sid'] of that reply and drops the pid, and the client has no notion of "recovered".
    "recovery": "python-socketio 5.7.2 has no connection state recovery: it drops the pid of the CONNECT reply",
    "recovery-expired": "python-socketio 5.7.2 has no connection state recovery: it drops the pid of the CONNECT reply",
}

args = sys.argv[1:]
scenario_name, base_url, mode = (args + [None, None, None])[:3]

_finish_lock = threading.Lock()


def finish(code, payload):
    """Prints the result line (and the error on stderr) and ends the process at once, whatever is still running."""
    with _finish_lock:
        if not payload.get("ok"):
            sys.stderr.write(f"FAILED: {payload.get('error')}\n")
            sys.stderr.flush()
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()
        os._exit(code)


def hard_limit_reached():
    finish(3, {"ok": False, "scenario": scenario_name, "mode": mode,
               "error": f"hard time limit of {int(HARD_LIMIT * 1000)} ms reached (scenario {scenario_name}, {mode})"})


# ---------------------------------------------------------------- checks


class CheckFailed(Exception):
    pass


def same(actual, expected):
    """Deep equality with JSON's types: a bool is not a number, bytes are only equal to bytes (Python's == says
    True == 1 and [1] == (1,)); integers and floats compare by value, as JavaScript numbers do."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is bool and type(expected) is bool and actual == expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and actual == expected
    if isinstance(expected, (bytes, bytearray)):
        return isinstance(actual, (bytes, bytearray)) and bytes(actual) == bytes(expected)
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    if expected is None:
        return actual is None
    if isinstance(expected, (list, tuple)):
        return (isinstance(actual, (list, tuple)) and len(actual) == len(expected)
                and all(same(a, e) for a, e in zip(actual, expected)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and set(actual) == set(expected)
                and all(same(actual[key], expected[key]) for key in expected))
    return actual == expected


def show(value):
    """A readable form of a received value for failure messages (bytes as hex, long ones cut)."""
    def plain(v):
        if isinstance(v, (bytes, bytearray)):
            text = bytes(v).hex()
            return f"<{len(v)} bytes {text[:64]}{'...' if len(text) > 64 else ''}>"
        if isinstance(v, (list, tuple)):
            return [plain(item) for item in v]
        if isinstance(v, dict):
            return {str(key): plain(item) for key, item in v.items()}
        return v
    return json.dumps(plain(value), ensure_ascii=False)


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_equal(actual, expected, what):
    if not same(actual, expected):
        raise CheckFailed(f"{what}: expected {show(expected)}, got {show(actual)}")


def check_bytes(value, expected, what):
    check(isinstance(value, (bytes, bytearray)), f"{what}: expected bytes, got {type(value).__name__} {show(value)}")
    check(bytes(value) == bytes(expected), f"{what}: bytes differ: expected {show(expected)}, got {show(value)}")


async def within(awaitable, what, seconds=STEP_TIMEOUT):
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        raise CheckFailed(f"timed out after {int(seconds * 1000)} ms waiting for {what}") from None


# ---------------------------------------------------------------- clients

clients = []  # every Client of the scenario, in creation order
never = None  # an asyncio.Event nobody sets: handlers that must not acknowledge wait on it


class Client:
    """One socketio.AsyncClient: one Engine.IO connection (like a socket.io-client Manager), never reconnecting on
    its own, and the events its namespaces receive."""

    def __init__(self):
        debug = os.environ.get("SIO_INTEROP_DEBUG") == "1"
        self.sio = socketio.AsyncClient(reconnection=False, request_timeout=STEP_TIMEOUT, handle_sigint=False,
                                        logger=debug, engineio_logger=debug)
        self.listeners = []  # (namespace, event, callback); a callback returning True is removed
        self.listening = set()
        self.transport = None
        self.upgraded = False
        clients.append(self)

    # ---- receiving

    def _dispatch(self, namespace, event, args):
        for entry in list(self.listeners):
            listener_namespace, listener_event, callback = entry
            if listener_namespace == namespace and listener_event == event and callback(*args):
                self.listeners.remove(entry)

    def _listen(self, namespace):
        """Routes everything the namespace receives (events without an answering handler, connect, connect_error,
        disconnect) to the listeners."""
        if namespace in self.listening:
            return
        self.listening.add(namespace)

        async def on_connect():
            self._dispatch(namespace, "connect", ())

        async def on_connect_error(*data):
            self._dispatch(namespace, "connect_error", data)

        async def on_disconnect():
            self._dispatch(namespace, "disconnect", ())

        async def on_any(event, *data):
            self._dispatch(namespace, event, data)

        self.sio.on("connect", on_connect, namespace=namespace)
        self.sio.on("connect_error", on_connect_error, namespace=namespace)
        self.sio.on("disconnect", on_disconnect, namespace=namespace)
        self.sio.on("*", on_any, namespace=namespace)

    def on(self, event, callback, namespace="/"):
        """Calls callback(*args) for every `event`."""
        def listener(*data):
            callback(*data)
            return False

        self.listeners.append((namespace, event, listener))

    def answer(self, event, handler, namespace="/"):
        """An async handler whose return value is the acknowledgement (a tuple: several arguments; None: none)."""
        self.sio.on(event, handler, namespace=namespace)

    def once(self, event, namespace="/", predicate=lambda *data: True):
        """A task that resolves with the arguments (a list) of the next `event` that matches `predicate`."""
        future = asyncio.get_running_loop().create_future()

        def listener(*data):
            if future.done():
                return True
            if predicate(*data):
                future.set_result(list(data))
                return True
            return False

        self.listeners.append((namespace, event, listener))
        return asyncio.ensure_future(within(future, f"event '{event}' on {namespace}"))

    def connected(self, namespace="/"):
        """A task that resolves when the namespace connects and fails on a connect_error."""
        future = asyncio.get_running_loop().create_future()

        def on_connect(*data):
            if not future.done():
                future.set_result(None)
            return True

        def on_error(*data):
            if not future.done():
                future.set_exception(CheckFailed(f"connect_error on {namespace}: {show(data)}"))
            return True

        self.listeners.append((namespace, "connect", on_connect))
        self.listeners.append((namespace, "connect_error", on_error))
        return asyncio.ensure_future(within(future, f"connect to {namespace}"))

    def connect_error(self, namespace="/"):
        """A task that resolves with {message, data} of the namespace's connect_error; it fails if it connects."""
        future = asyncio.get_running_loop().create_future()

        def on_connect(*data):
            if not future.done():
                future.set_exception(CheckFailed(f"{namespace} connected although a connect_error was expected"))
            return True

        def on_error(*data):
            # The handler gets the CONNECT_ERROR payload as it came: {"message": ..., "data": ...}.
            payload = data[0] if data else None
            if not future.done():
                if isinstance(payload, dict):
                    future.set_result({"message": payload.get("message"), "data": payload.get("data")})
                else:
                    future.set_result({"message": payload, "data": None})
            return True

        self.listeners.append((namespace, "connect", on_connect))
        self.listeners.append((namespace, "connect_error", on_error))
        return asyncio.ensure_future(within(future, f"connect_error on {namespace}"))

    # ---- connecting

    async def start(self, namespaces=("/",), auth=None):
        """Opens the Engine.IO connection and sends CONNECT for every namespace, without waiting for the replies."""
        for namespace in namespaces:
            self._listen(namespace)
        await within(
            self.sio.connect(base_url, auth=auth, transports=TRANSPORTS[mode], namespaces=list(namespaces),
                             wait=False),
            "the Engine.IO connection")
        self.transport = self.sio.transport()
        # Upgrade mode starts on polling (transports[0]); ending connect() on WebSocket means it upgraded.
        self.upgraded = mode == "upgrade" and self.transport == "websocket"

    async def open(self, namespaces=("/",), auth=None):
        """Connects and waits until every namespace is connected."""
        waits = [self.connected(namespace) for namespace in namespaces]
        await self.start(namespaces, auth)
        for wait in waits:
            await wait

    def id(self, namespace="/"):
        return self.sio.get_sid(namespace)

    @property
    def engine_id(self):
        return self.sio.eio.sid

    @property
    def is_open(self):
        return self.sio.eio.state == "connected"

    def settled(self):
        """In upgrade mode the connection must run on WebSocket (engineio upgrades inside connect(), so there is
        nothing to wait for: if it is still on polling, the upgrade failed)."""
        if mode == "upgrade":
            check(self.sio.transport() == "websocket",
                  f"upgrade failed: the connection is on {self.sio.transport()}")

    async def close(self):
        if self.is_open:
            await self.sio.disconnect()

    # ---- sending

    async def emit(self, event, *data, namespace="/"):
        await self.sio.emit(event, data, namespace=namespace)

    async def emit_ack(self, event, *data, namespace="/"):
        """Emits with an acknowledgement and returns ALL the ack's arguments, as a list."""
        future = asyncio.get_running_loop().create_future()

        def callback(*response):
            if not future.done():
                future.set_result(list(response))

        await self.sio.emit(event, data, namespace=namespace, callback=callback)
        try:
            return await asyncio.wait_for(future, STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise CheckFailed(f"no acknowledgement for '{event}' within {int(STEP_TIMEOUT * 1000)} ms") from None


async def never_answer(*data):
    """A handler for an event the server sent with an ack id, which must stay unanswered."""
    await never.wait()


# ---------------------------------------------------------------- scenarios


async def scenario_connect():
    """Auth payload echoed back; the client's sid is the server's socket.Id, not the Engine.IO id."""
    auth = {"token": "abc", "n": 1.5, "list": [1, "two", None, True, {"deep": "é✓"}], "text": "é✓ 😀"}
    socket = Client()
    hello = socket.once("hello")
    await socket.open(auth=auth)
    server_id, echoed_auth = (await hello)[:2]
    check_equal(echoed_auth, auth, "auth echoed by the server")
    check_equal(socket.id(), server_id, "client sid vs the server's socket.Id")
    check(socket.id() != socket.engine_id, "the socket id must not be the Engine.IO session id")

    # Without an auth payload the server sees an empty object. (python-socketio sends {} itself when it has no
    # auth, where socket.io-client sends a CONNECT without payload: this checks the server keeps {} as it is.)
    bare = Client()
    bare_hello = bare.once("hello")
    await bare.open()
    bare_server_id, bare_auth = (await bare_hello)[:2]
    check_equal(bare_auth, {}, "auth without a payload")
    check_equal(bare.id(), bare_server_id, "bare client sid vs the server's socket.Id")
    check(bare.id() != socket.id(), "two connections got the same socket id")

    socket.settled()
    return {"socketId": socket.id(), "engineId": socket.engine_id, "auth": echoed_auth,
            "bareSocketId": bare.id(), "bareAuth": bare_auth}


async def scenario_events():
    """Mixed JSON arguments in both directions, unicode included (event names too). python-socketio escapes every
    non-ASCII character (json.dumps ensure_ascii), surrogate pairs included: the server has to unescape them."""
    socket = Client()
    await socket.open()
    sent = [
        42,
        -7,
        3.25,
        9007199254740991,
        "é✓ «ünïcödé» 😀 日本語",
        'quote " backslash \\ slash / newline \n tab \t nul-ish \u0001 </script>',
        "",
        True,
        False,
        None,
        {"a": {"b": [1, "x", None, True, {"c": "é✓"}]}, "ключ": "значение", "empty": {}, "list": []},
        [1, [2, [3, []]], {}],
    ]
    echo = socket.once("echo-back")
    parsed = socket.once("echo-parsed")
    await socket.emit("echo", *sent)
    echoed = await echo
    server_parsed = (await parsed)[0]
    check_equal(echoed, sent, "arguments echoed unchanged")
    check_equal(
        server_parsed,
        {"count": len(sent), "int": 42, "negative": -7, "double": 3.25, "long": 9007199254740991, "text": sent[4],
         "escaped": sent[5], "bool": True, "isNull": True, "deep": "é✓", "key": "значение"},
        "values the server parsed")

    # Values the server builds itself.
    values = socket.once("server-values")
    await socket.emit("get-values")
    server_values = await values
    check_equal(server_values, [
        42,
        -7,
        3.25,
        9007199254740991,
        "é✓ 😀",
        True,
        False,
        None,
        {"list": [1, "x", None], "é": "✓", "nested": {"deeper": [True]}},
        [1.5, {}],
        {"fromJsonElement": [1, "é✓"]},
    ], "values built by the server")

    # A unicode event name in both directions.
    unicode = socket.once("événement✓-back")
    await socket.emit("événement✓", "ü", 1)
    unicode_args = await unicode
    check_equal(unicode_args, ["ü", 1], "arguments of the unicode event")

    socket.settled()
    return {"echoed": echoed, "serverParsed": server_parsed, "serverValues": server_values,
            "unicodeArgs": unicode_args}


async def scenario_binary():
    """Buffers nested in objects, echoed back; bytes the server builds itself; a large buffer."""
    socket = Client()
    await socket.open()
    small = bytes([0, 1, 2, 253, 254, 255])
    text = "é✓".encode("utf-8")
    big = bytes((i * 7) & 0xFF for i in range(100_000))
    extra = bytes([9, 8, 7])
    echo = socket.once("bin-echo")
    built = socket.once("bin-built")
    await socket.emit("bin", {"name": "é✓", "data": small, "nested": {"list": [text, "text", big]}}, extra)

    obj, extra_back = (await echo)[:2]
    check_equal(obj.get("name"), "é✓", "echoed name")
    check_bytes(obj.get("data"), small, "echoed data")
    check_bytes(obj["nested"]["list"][0], text, "echoed nested buffer")
    check_equal(obj["nested"]["list"][1], "text", "echoed nested string")
    check_bytes(obj["nested"]["list"][2], big, "echoed big buffer")
    check_bytes(extra_back, extra, "echoed second argument")

    all_bytes, info, tail = (await built)[:3]
    check_bytes(all_bytes, bytes(range(256)), "byte[] built by the server")
    check_bytes(info.get("reversed"), small[::-1], "reversed data built by the server")
    check_bytes(info.get("text"), text, "nested text bytes decoded by the server")
    check_equal(info.get("bigLength"), len(big), "length of the big buffer the server received")
    check_equal(info.get("bigSum"), sum(big), "byte sum of the big buffer the server received")
    check_bytes(info.get("extra"), extra, "second argument decoded by the server")
    check_equal(tail, "tail", "last argument")

    socket.settled()
    return {
        "echoedData": obj["data"].hex(),
        "echoedNested": obj["nested"]["list"][0].hex(),
        "echoedBigLength": len(obj["nested"]["list"][2]),
        "built": all_bytes.hex(),
        "reversed": info["reversed"].hex(),
        "bigLength": info["bigLength"],
        "bigSum": info["bigSum"],
    }


async def scenario_ack():
    """Acknowledgements both ways, with binary in them."""
    socket = Client()

    # Server -> client acks: the server asks, we answer (binary included), the server reports what it got.
    async def question(n, buffer):
        return n * 6, buffer + bytes([4]), {"nested": "é✓".encode("utf-8"), "ok": True}

    async def question_empty():
        return None  # an ACK without arguments

    socket.answer("question", question)
    socket.answer("question-empty", question_empty)
    # Deliberately never acknowledged: the server's wait must time out.
    socket.answer("question-ignored", never_answer)
    await socket.open()

    # Client -> server ack.
    total, text, reversed_bytes, nested = (await socket.emit_ack("sum", 2, 3, bytes([1, 2, 3])))[:4]
    check_equal(total, 5, "sum in the ack")
    check_equal(text, "é✓", "text in the ack")
    check_bytes(reversed_bytes, bytes([3, 2, 1]), "reversed buffer in the ack")
    check_bytes(nested.get("bin"), bytes([0xFF, 0]), "nested buffer in the ack")
    check_equal(nested.get("ok"), True, "nested flag in the ack")

    # An ack without arguments.
    empty = await socket.emit_ack("ack-empty")
    check_equal(empty, [], "an ack without arguments")

    # Server -> client acks.
    answer = socket.once("answers")
    await socket.emit("ask-me")
    report = (await answer)[0]
    check_equal(report.get("first"),
                {"n": 42, "bytes": bytes([1, 2, 3, 4]).hex(), "nested": "é✓".encode("utf-8").hex(), "ok": True},
                "what the server got in our ack")
    check_equal(report.get("emptyCount"), 0, "argument count of an empty ack")
    check_equal(report.get("ignored"), "timeout", "an unanswered server emit must time out")

    socket.settled()
    return {"sum": total, "text": text, "reversed": reversed_bytes.hex(), "nestedBin": nested["bin"].hex(),
            "emptyAck": empty, "report": report}


async def scenario_namespaces():
    """Several namespaces over one connection; an unknown namespace is refused.

    python-socketio sends the CONNECT packets of all its namespaces together in connect(), so /nope is asked for
    alongside /chat and / (socket.io-client asks for it once they are connected). Left out: socket.io-client's
    chat.disconnect() that leaves /chat and keeps / open: AsyncClient.disconnect() has no namespace parameter, it
    sends DISCONNECT for every namespace and closes the Engine.IO connection."""
    manager = Client()
    welcome = manager.once("welcome", "/chat")
    chat_up = manager.connected("/chat")
    main_up = manager.connected("/")
    nope_refused = manager.connect_error("/nope")
    await manager.start(["/chat", "/", "/nope"])
    await chat_up
    await main_up
    chat_id = manager.id("/chat")
    main_id = manager.id("/")
    welcome_nsp, welcome_id = (await welcome)[:2]
    check_equal(welcome_nsp, "/chat", "namespace in the welcome")
    check_equal(welcome_id, chat_id, "socket id in the welcome")
    check(chat_id != main_id, f"/chat and / got the same socket id {chat_id}")

    nope_error = await nope_refused
    check_equal(nope_error["message"], "Invalid namespace", "connect_error message of an unknown namespace")
    check("/nope" not in manager.sio.namespaces, "/nope is connected although it was refused")

    chat_nsp, chat_which_id, chat_connection = (await manager.emit_ack("which", namespace="/chat"))[:3]
    main_nsp, main_which_id, main_connection = (await manager.emit_ack("which", namespace="/"))[:3]
    check_equal(chat_nsp, "/chat", "namespace /chat reports")
    check_equal(main_nsp, "/", "namespace / reports")
    check_equal(chat_which_id, chat_id, "socket id /chat reports")
    check_equal(main_which_id, main_id, "socket id / reports")
    check_equal(chat_connection, manager.engine_id, "/chat runs on the client's Engine.IO session")
    check_equal(main_connection, manager.engine_id, "/ runs on the client's Engine.IO session")
    check(manager.sio.connected and set(manager.sio.namespaces) == {"/chat", "/"},
          f"connected namespaces: {sorted(manager.sio.namespaces)}")

    manager.settled()
    return {"chatId": welcome_id, "mainId": main_id, "engineId": manager.engine_id, "nopeError": nope_error}


async def scenario_middleware():
    """A namespace middleware refuses with message and data, then accepts the good token.

    The auth payload belongs to a python-socketio connection (every namespace of it gets the same one) and a
    namespace cannot be connected again on a connection that is open: each try is a new connection, where
    socket.io-client retries /secure on the same one with a new auth. The first one also opens / to show that the
    refusal of /secure leaves / and the connection alone."""
    first = Client()
    secure_refused = first.connect_error("/secure")
    main_up = first.connected("/")
    await first.start(["/secure", "/"], auth={"token": "bad"})
    refused = await secure_refused
    check_equal(refused["message"], "Not authorized", "refusal message")
    check_equal(refused["data"], {"code": 42}, "refusal data")
    # The main namespace has no middleware: it connects on the same connection.
    await main_up
    check(first.is_open and set(first.sio.namespaces) == {"/"},
          f"after the refusal of /secure: open={first.is_open}, namespaces {sorted(first.sio.namespaces)}")
    await first.close()

    second = Client()
    no_token_refused = second.connect_error("/secure")
    await second.start(["/secure"], auth={})
    refused_no_token = await no_token_refused
    check_equal(refused_no_token["message"], "Not authorized", "refusal message without a token")
    await second.close()

    good = Client()
    await good.open(["/secure"], auth={"token": "good"})
    token, nsp = (await good.emit_ack("whoami", namespace="/secure"))[:2]
    check_equal(token, "good", "token the server saw")
    check_equal(nsp, "/secure", "namespace the server saw")

    good.settled()
    return {"refused": refused, "refusedNoToken": refused_no_token, "token": token, "secureId": good.id("/secure")}


async def scenario_rooms():
    """Rooms: two of three clients join "r"; broadcasts reach exactly the members; socket.to() skips the sender."""
    names = ["A", "B", "C"]
    clients_by_name = {name: Client() for name in names}
    received = {name: [] for name in names}

    def sender_name(sender_id):
        if sender_id == clients_by_name["A"].id():
            return "A"
        if sender_id == clients_by_name["B"].id():
            return "B"
        return sender_id

    for name in names:
        client = clients_by_name[name]
        client.on("room-msg", lambda rnd, text, name=name: received[name].append(f"room-msg:{rnd}:{text}"))
        client.on("room-excl",
                  lambda rnd, sender_id, name=name: received[name].append(f"room-excl:{rnd}:{sender_name(sender_id)}"))
    await asyncio.gather(*(clients_by_name[name].open() for name in names))
    check_equal(await clients_by_name["A"].emit_ack("join", "r"), [True], "A joins r")
    check_equal(await clients_by_name["B"].emit_ack("join", "r"), [True], "B joins r")

    # "done" goes to every socket after the room broadcasts, so once each client has it, nothing else is coming.
    async def round_from(sender, n):
        done = [clients_by_name[name].once("done", predicate=lambda r, *rest, n=n: r == n) for name in names]
        check_equal(await clients_by_name[sender].emit_ack("broadcast", n), [True], f"broadcast {n} from {sender}")
        for wait in done:
            await wait

    await round_from("A", 1)
    check_equal(await clients_by_name["B"].emit_ack("leave", "r"), [True], "B leaves r")
    await round_from("B", 2)

    expected = {
        "A": ["room-msg:1:to r", "room-msg:2:to r", "room-excl:2:B"],
        "B": ["room-msg:1:to r", "room-excl:1:A"],
        "C": [],
    }
    check_equal(received, expected, "who received the room broadcasts")

    for name in names:
        clients_by_name[name].settled()
    return {"received": received}


async def scenario_broadcast_ack():
    """The server broadcasts with acks to every socket and collects the answers."""
    a = Client()
    b = Client()

    async def ask_a(n):
        return {"who": "A", "n": n + 1}

    async def ask_b(n):
        return {"who": "B", "n": n + 1}

    a.answer("ask", ask_a)
    b.answer("ask", ask_b)
    await asyncio.gather(a.open(), b.open())
    a.settled()
    b.settled()

    count, expected, everyone, responses = (await a.emit_ack("start-ask", 2000))[:4]
    check_equal(count, 2, "answers the server collected")
    check_equal(expected, 2, "sockets the server expected answers from")
    check_equal(everyone, True, "all answered")
    ordered = sorted(responses, key=lambda r: r.get("who"))
    check_equal(ordered, [{"who": "A", "n": 2}, {"who": "B", "n": 2}], "answers")

    # A third socket that never answers: the broadcast times out with 2 of 3 answers.
    c = Client()
    c_asked = []

    async def ask_c(*data):
        c_asked.append(data)
        await never.wait()  # returning would acknowledge

    c.answer("ask", ask_c)
    await c.open()
    count2, expected2, everyone2 = (await a.emit_ack("start-ask", 1500))[:3]
    check_equal(count2, 2, "answers the server collected with a silent socket")
    check_equal(expected2, 3, "sockets the server expected answers from with a silent socket")
    check_equal(everyone2, False, "all answered with a silent socket")
    check_equal(len(c_asked), 1, "the silent socket received the question")

    return {"first": {"count": count, "expected": expected, "all": everyone, "responses": ordered},
            "second": {"count": count2, "expected": expected2, "all": everyone2}}


async def scenario_disconnect():
    """Disconnect reasons on the server side; an observer socket on /observer hears the server's reasons.

    Left out: the client's own reasons ("io server disconnect", "io client disconnect", "forced close"). The
    disconnect handler of python-socketio 5.7.2 gets no reason (AsyncClient._handle_disconnect and
    _handle_eio_disconnect call _trigger_event('disconnect', namespace=n) without arguments); the scenario checks
    that the handler ran each time, and reports that as "client": "disconnect"."""
    observer = Client()
    server_reasons = {}
    waiters = {}

    def on_peer_disconnected(sid, reason, *rest):
        server_reasons[sid] = reason
        if sid in waiters and not waiters[sid].done():
            waiters[sid].set_result(reason)

    observer.on("peer-disconnected", on_peer_disconnected, namespace="/observer")

    async def server_reason(sid):
        if sid in server_reasons:
            return server_reasons[sid]
        waiters[sid] = asyncio.get_running_loop().create_future()
        return await within(waiters[sid], f"the server's disconnect reason for {sid}")

    await observer.open(["/observer"])

    # 1. The server disconnects the socket.
    kicked = Client()
    await kicked.open()
    kicked.settled()
    kicked_id = kicked.id()
    kicked_disconnect = kicked.once("disconnect")
    await kicked.emit("kick-me")
    await kicked_disconnect
    kicked_server_reason = await server_reason(kicked_id)

    # 2. The client disconnects from the namespace (python-socketio: from every namespace, then it closes the
    # connection, as socket.io-client's Manager does once its last socket left). On WebSocket the DISCONNECT packet
    # never reaches the wire: AsyncClient.disconnect() queues "41" and the Engine.IO CLOSE "1" for the write loop,
    # but engineio's disconnect() closes the WebSocket (aiohttp ws.close()) before that loop runs, so the server
    # only gets a close frame (opcode 8, code 1000) and rightly reports "transport close". On polling the write loop
    # still POSTs "41\x1e1", and the server reports "client namespace disconnect".
    leaving = Client()
    await leaving.open()
    leaving.settled()
    leaving_id = leaving.id()
    leaving_expected = "client namespace disconnect" if leaving.transport == "polling" else "transport close"
    leaving_disconnect = leaving.once("disconnect")
    await leaving.sio.disconnect()
    await leaving_disconnect
    leaving_server_reason = await server_reason(leaving_id)

    # 3. The client closes the whole Engine.IO connection. engineio's disconnect() waits for its read loop to end:
    # on polling it POSTs the CLOSE packet "1" and the server has to end the pending GET; on WebSocket only a close
    # frame goes out (as in 2.).
    closing = Client()
    await closing.open()
    closing.settled()
    closing_id = closing.id()
    closing_transport = closing.sio.transport()
    closing_disconnect = closing.once("disconnect")
    await within(closing.sio.eio.disconnect(), "the Engine.IO connection to close")
    await closing_disconnect
    closing_server_reason = await server_reason(closing_id)

    check_equal(
        {"kickedServerReason": kicked_server_reason, "leavingServerReason": leaving_server_reason,
         "closingServerReason": closing_server_reason},
        {"kickedServerReason": "server namespace disconnect", "leavingServerReason": leaving_expected,
         "closingServerReason": "transport close"},
        "reasons the server reported")

    return {
        "kicked": {"id": kicked_id, "client": "disconnect", "server": kicked_server_reason},
        "leaving": {"id": leaving_id, "client": "disconnect", "server": leaving_server_reason,
                    "transport": leaving.transport},
        "closing": {"id": closing_id, "client": "disconnect", "server": closing_server_reason,
                    "transport": closing_transport},
        "observerTransport": observer.sio.transport(),
    }


SCENARIOS = {
    "connect": scenario_connect,
    "events": scenario_events,
    "binary": scenario_binary,
    "ack": scenario_ack,
    "namespaces": scenario_namespaces,
    "middleware": scenario_middleware,
    "rooms": scenario_rooms,
    "broadcastAck": scenario_broadcast_ack,
    "disconnect": scenario_disconnect,
}

# ---------------------------------------------------------------- main


async def run(scenario):
    """Plays the scenario and ends the process with its result (os._exit: nothing left running can hold it up)."""
    try:
        payload = await play(scenario)
    except Exception:  # noqa: BLE001 - every failure is reported the same way
        finish(1, {"ok": False, "scenario": scenario_name, "mode": mode, "error": traceback.format_exc()})
    finish(0, payload)


async def play(scenario):
    global never
    never = asyncio.Event()
    result = await scenario()

    # In upgrade mode every connection still open must have reached WebSocket.
    for client in clients:
        if client.is_open:
            client.settled()

    # The transport the first connection ended on, and whether any connection upgraded.
    first = clients[0] if clients else None
    payload = {
        "ok": True,
        "scenario": scenario_name,
        "mode": mode,
        "transport": first.transport if first else None,
        "upgraded": any(client.upgraded for client in clients),
        "allUpgraded": all(client.upgraded for client in clients),
        "result": result,
    }

    # Close what is still open (best effort, briefly), like client.mjs closes its engines before it exits.
    try:
        await asyncio.wait_for(asyncio.gather(*(client.close() for client in clients), return_exceptions=True), 2)
    except asyncio.TimeoutError:
        pass
    return payload


def main():
    if not scenario_name or not base_url or not mode:
        finish(2, {"ok": False, "error": "usage: python3 client.py <scenario> <url> <polling|websocket|upgrade>"})
    if mode not in TRANSPORTS:
        finish(2, {"ok": False, "scenario": scenario_name, "mode": mode,
                   "error": f"unknown transport mode '{mode}' (expected polling, websocket or upgrade)"})
    if scenario_name in NOT_EXPRESSIBLE:
        finish(2, {"ok": False, "scenario": scenario_name, "mode": mode,
                   "error": f"scenario '{scenario_name}' is not expressible: {NOT_EXPRESSIBLE[scenario_name]}"})
    scenario = SCENARIOS.get(scenario_name)
    if scenario is None:
        finish(2, {"ok": False, "scenario": scenario_name, "mode": mode,
                   "error": f"unknown scenario '{scenario_name}'; known: {', '.join(SCENARIOS)}"})

    timer = threading.Timer(HARD_LIMIT, hard_limit_reached)
    timer.daemon = True
    timer.start()
    asyncio.run(run(scenario))


if __name__ == "__main__":
    main()
