// The Node twin of samples/Chat: the official socket.io server with an official cluster adapter, serving the same page
// (samples/Chat/wwwroot) and answering the same events as the sample's ChatHub, so a test can run one chat on a Node
// node and a .NET node together (tests/SocketIO.Typed.Browser.Tests/ClusterChatBrowserTests.cs).
//
//   node chat-node.mjs --port N --adapter redis|redis-streams|postgres --connection <url> --wwwroot <samples/Chat/wwwroot>
//
// Prints "Chat twin: listening on <port>" once it accepts connections. Arguments of the wrong shape are answered
// {ok: false, error} here, where the .NET hub answers {"error": "binding", ...} (its BindingFailureAck option).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { randomUUID } from "node:crypto";
import { Server } from "socket.io";
import { createClusterAdapter } from "./adapters.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg("--port", "0"));
const wwwroot = resolve(arg("--wwwroot", "."));
const clusterAdapter = await createClusterAdapter(arg("--adapter", "redis"), arg("--connection", "redis://127.0.0.1:6379"));
const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

// The page's files; everything else under /socket.io/ is the Socket.IO server's.
const httpServer = createServer(async (req, res) => {
  try {
    const path = new URL(req.url, "http://localhost").pathname;
    const file = resolve(join(wwwroot, path.endsWith("/") ? path + "index.html" : decodeURIComponent(path)));
    if (!file.startsWith(wwwroot + sep)) {
      res.writeHead(404).end();
      return;
    }
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer, { adapter: clusterAdapter, maxHttpBufferSize: 6_000_000 });

// A non-blank string of at most maxLength characters, trimmed; otherwise null.
function text(value, maxLength) {
  const trimmed = typeof value === "string" ? value.trim() : "";
  return trimmed.length > 0 && trimmed.length <= maxLength ? trimmed : null;
}

function stamp() {
  return { id: randomUUID().replaceAll("-", ""), time: new Date().toISOString() };
}

// .NET's StringComparer.OrdinalIgnoreCase: code units compared after a one-to-one upper-casing of each.
function upper(c) {
  const u = c.toUpperCase();
  return u.length === 1 ? u : c;
}
function compareOrdinalIgnoreCase(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = upper(a[i]);
    const y = upper(b[i]);
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

// The nicknames of the room's members on every node, sorted as the .NET sample sorts them.
async function usersInRoom(room) {
  const sockets = await io.in(room).fetchSockets();
  const users = sockets.map((s) => s.data?.nick).filter((nick) => typeof nick === "string");
  return users.sort(compareOrdinalIgnoreCase);
}

// A handler that fails (a cluster request that timed out) is logged, as the .NET server logs it; the node stays up.
function guarded(handler) {
  return (...args) => {
    try {
      Promise.resolve(handler(...args)).catch((err) => process.stderr.write(`chat handler: ${err}\n`));
    } catch (err) {
      process.stderr.write(`chat handler: ${err}\n`);
    }
  };
}

// The acknowledgement callback, or a no-op when the client sent none.
function answer(ack) {
  return typeof ack === "function" ? ack : () => {};
}

// One users update at a time on this node, as in the .NET sample: lists go out in the order they were read.
let usersUpdate = Promise.resolve();
function sendUsers(room) {
  const update = usersUpdate.then(async () => {
    const users = await usersInRoom(room);
    io.to(room).emit("users", users);
    return users;
  });
  usersUpdate = update.catch(() => {});
  return update;
}

async function announce(room, notice) {
  io.to(room).emit("notice", notice);
  await sendUsers(room);
}

io.on("connection", (socket) => {
  let nick = null;
  let room = null;

  socket.on("join", guarded(async (nickArg, roomArg, reply) => {
    const ack = answer(reply);
    const name = text(nickArg, 32);
    if (name === null) {
      ack({ ok: false, error: "Choose a nickname (1 to 32 characters)." });
      return;
    }

    const target = text(roomArg, 32) ?? "general";
    if (room !== null && room !== target) {
      socket.leave(room);
      await announce(room, `${nick} left`);
    }

    const moved = room !== target;
    nick = name;
    room = target;
    socket.data.nick = name;
    socket.join(target);
    if (moved) {
      socket.to(target).emit("notice", `${name} joined`);
    }

    const users = await sendUsers(target);
    ack({ ok: true, room: target, nick: name, users });
  }));

  socket.on("message", guarded((body, reply) => {
    const ack = answer(reply);
    if (room === null) {
      ack({ ok: false, error: "Join a room first." });
      return;
    }
    const message = text(body, 2000);
    if (message === null) {
      ack({ ok: false, error: "Messages are 1 to 2000 characters of text." });
      return;
    }
    const { id, time } = stamp();
    socket.to(room).emit("message", { id, nick, text: message, time });
    ack({ ok: true, id, time });
  }));

  socket.on("image", guarded((mimeType, bytes, reply) => {
    const ack = answer(reply);
    if (room === null) {
      ack({ ok: false, error: "Join a room first." });
      return;
    }
    if (typeof mimeType !== "string" || !mimeType.startsWith("image/") || mimeType.length > 100 || !Buffer.isBuffer(bytes)) {
      ack({ ok: false, error: "Send an image type and its bytes." });
      return;
    }
    if (bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES) {
      ack({ ok: false, error: "Images must be between 1 byte and 4 MB." });
      return;
    }
    const { id, time } = stamp();
    socket.to(room).emit("image", { id, nick, type: mimeType, data: bytes, time });
    ack({ ok: true, id, time });
  }));

  socket.on("typing", (isTyping) => {
    if (room !== null) {
      socket.to(room).volatile.emit("typing", nick, isTyping === true);
    }
  });

  // The socket has left its rooms by now: tell the room it was in.
  socket.on("disconnect", guarded(async (reason) => {
    if (room !== null) {
      await announce(room, `${nick} left (${reason})`);
    }
  }));
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`Chat twin: listening on ${httpServer.address().port}\n`);
});

// Exit with the test process: stdin closes when the parent goes away.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
