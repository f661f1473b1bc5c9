"""python-socketio (Debian's python3-socketio 5.7.x, aiohttp) with the handlers the .NET client tests talk to.

    python3 server.py [--port N] [--path /socket.io]

Prints "LISTENING <port>" once it accepts connections; exits when stdin closes. Short heartbeat (pingInterval 1 s,
pingTimeout 0.5 s) as node/server.mjs. python-socketio 5.7 has no connection state recovery, and its disconnect
handler gets no reason: the reason is derived from which path ran (a kick, a client DISCONNECT packet, the transport).

Like every python-socketio server, it sends what a connect handler emits *before* the CONNECT packet.
"""
import argparse
import asyncio
import sys
from urllib.parse import parse_qs

import socketio
from aiohttp import web

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--path", default="/socket.io")
args = parser.parse_args()

sio = socketio.AsyncServer(async_mode="aiohttp", ping_interval=1, ping_timeout=0.5, max_http_buffer_size=1_000_000,
                           cors_allowed_origins="*")
app = web.Application()
sio.attach(app, socketio_path=args.path.strip("/"))

flaky = {}
reasons = {}  # (sid, namespace) -> the disconnect reason, when the server knows it better than "transport close"
NEVER = asyncio.Event()  # never set: handlers that must not answer wait on it


def common(namespace, auth_check=None):
    async def connect(sid, environ, auth=None):
        if auth_check is not None and not auth_check(auth):
            raise socketio.exceptions.ConnectionRefusedError("Not authorized", {"code": 42})
        async with sio.session(sid, namespace=namespace) as session:
            session["auth"] = auth if auth is not None else {}
        query = parse_qs(environ.get("QUERY_STRING", ""))
        await sio.emit("hello", (sid, auth if auth is not None else {}, query.get("q", [None])[0],
                                 environ.get("HTTP_X_TEST"), False), to=sid, namespace=namespace)

    async def disconnect(sid):
        reason = reasons.pop((sid, namespace), "transport close")
        if namespace == "/":
            await sio.emit("peer-disconnected", (sid, reason), namespace="/control")

    async def echo(sid, *data):
        await sio.emit("echo-back", data, to=sid, namespace=namespace)

    async def echo_ack(sid, *data):
        return tuple(data)

    async def ask_client(sid):
        try:
            answer = await sio.call("question", (7, bytes([1, 2, 3])), to=sid, namespace=namespace, timeout=5)
            return {"answer": answer}
        except Exception as e:  # noqa: BLE001 - reported to the client like the Node server does
            return {"error": str(e)}

    async def never_ack(sid, *data):
        await NEVER.wait()

    async def join(sid, room):
        sio.enter_room(sid, room, namespace=namespace)
        return True

    async def kick_me(sid):
        reasons[(sid, namespace)] = "server namespace disconnect"
        await sio.disconnect(sid, namespace=namespace)

    async def flaky_handler(sid, key, n):
        seen = flaky.get(key, 0) + 1
        flaky[key] = seen
        if seen >= n:
            return seen
        await NEVER.wait()  # python-socketio answers every acked event when its handler returns: do not return

    async def flaky_count(sid, key):
        return flaky.get(key, 0)

    async def whoami(sid):
        session = await sio.get_session(sid, namespace=namespace)
        return namespace, sid, session["auth"]

    for name, handler in [("connect", connect), ("disconnect", disconnect), ("echo", echo), ("echo-ack", echo_ack),
                          ("ask-client", ask_client), ("never-ack", never_ack), ("join", join), ("kick-me", kick_me),
                          ("flaky", flaky_handler), ("flaky-count", flaky_count), ("whoami", whoami)]:
        sio.on(name, handler, namespace=namespace)


common("/")
common("/chat")
common("/secure", auth_check=lambda auth: isinstance(auth, dict) and auth.get("token") == "good")


early_answers = {}


# The connect handler emits "early" with an ack: python-socketio sends it before the CONNECT packet.
@sio.on("connect", namespace="/early")
async def early_connect(sid, environ, auth=None):
    def answered(*data):
        early_answers[sid] = data[0] if data else None

    await sio.emit("early", sid, to=sid, namespace="/early", callback=answered)


@sio.on("early-answer", namespace="/early")
async def early_answer(sid):
    return early_answers.get(sid)


@sio.on("connect", namespace="/control")
async def control_connect(sid, environ, auth=None):
    pass


@sio.on("broadcast-missed", namespace="/control")
async def broadcast_missed(sid, room):
    await sio.emit("missed", 1, room=room, namespace="/")
    await sio.emit("missed", (2, bytes([9, 8])), room=room, namespace="/")
    return True


# A DISCONNECT packet from the client runs _handle_disconnect; a lost transport does not.
_handle_disconnect = sio._handle_disconnect


async def handle_client_disconnect(eio_sid, namespace):
    ns = namespace or "/"
    sid = sio.manager.sid_from_eio_sid(eio_sid, ns)
    if sid is not None:
        reasons.setdefault((sid, ns), "client namespace disconnect")
    await _handle_disconnect(eio_sid, namespace)


sio._handle_disconnect = handle_client_disconnect


async def main():
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"LISTENING {port}", flush=True)
    loop = asyncio.get_running_loop()
    # Exit with the test process: stdin closes when the parent goes away.
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


asyncio.run(main())
