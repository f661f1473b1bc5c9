// The official socket.io server (pinned in package.json) with the handlers the .NET client tests talk to.
//
//   node server.mjs [--port N] [--path /socket.io]
//
// Prints "LISTENING <port>" once it accepts connections. Short heartbeat (pingInterval 1000, pingTimeout 500) so
// a dead peer is noticed quickly; connection state recovery on (maxDisconnectionDuration 10 s).
// tests/SocketIO.Typed.Interop.Tests/ClientScenarioServer.cs is the same server written with SocketIO.Typed.
import { createServer } from "node:http";
import { Server } from "socket.io";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const pathArg = process.argv.indexOf("--path");
const path = pathArg > 0 ? process.argv[pathArg + 1] : "/socket.io";

const httpServer = createServer();
const io = new Server(httpServer, {
  path,
  pingInterval: 1000,
  pingTimeout: 500,
  maxHttpBufferSize: 1e6,
  connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true },
});

const flaky = new Map(); // key -> deliveries seen

function attachCommon(socket) {
  socket.emit("hello", socket.id, socket.handshake.auth, socket.handshake.query.q ?? null, socket.handshake.headers["x-test"] ?? null, socket.recovered);

  socket.on("echo", (...args) => socket.emit("echo-back", ...args));
  socket.on("echo-ack", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
  socket.on("ask-client", async (ack) => {
    try {
      const answer = await socket.timeout(5000).emitWithAck("question", 7, Buffer.from([1, 2, 3]));
      ack({ answer });
    } catch (err) {
      ack({ error: String(err) });
    }
  });
  socket.on("never-ack", () => {});
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack(true);
  });
  socket.on("kick-me", () => socket.disconnect());
  socket.on("flaky", (key, n, ack) => {
    const seen = (flaky.get(key) ?? 0) + 1;
    flaky.set(key, seen);
    if (seen >= n) {
      ack(seen);
    }
  });
  socket.on("flaky-count", (key, ack) => ack(flaky.get(key) ?? 0));
  socket.on("whoami", (ack) => ack(socket.nsp.name, socket.id, socket.handshake.auth));
}

io.on("connection", (socket) => {
  attachCommon(socket);
  socket.on("disconnect", (reason) => io.of("/control").emit("peer-disconnected", socket.id, reason));
});

io.of("/chat").on("connection", attachCommon);

io.of("/secure")
  .use((socket, next) => {
    if (socket.handshake.auth?.token === "good") {
      next();
    } else {
      const err = new Error("Not authorized");
      err.data = { code: 42 };
      next(err);
    }
  })
  .on("connection", attachCommon);

// "early" is emitted by the connection handler with an ack; "early-answer" tells what the client answered.
const earlyAnswers = new Map();
io.of("/early").on("connection", (socket) => {
  socket.emit("early", socket.id, (answer) => earlyAnswers.set(socket.id, answer));
  socket.on("early-answer", (ack) => ack(earlyAnswers.get(socket.id) ?? null));
});

// The control namespace lets a test act on the server while the client under test is cut off.
io.of("/control").on("connection", (socket) => {
  socket.on("broadcast-missed", async (room, ack) => {
    io.to(room).emit("missed", 1);
    io.to(room).emit("missed", 2, Buffer.from([9, 8]));
    ack(true);
  });
});

// The typed probe contract (IProbeServer in samples/Typed.Probe.Contracts) written by hand for the official server,
// so the typed .NET client can be checked against it: the same events, arguments and answers as the typed hub.
const probe = io.of("/probe");
probe.on("connection", (socket) => {
  socket.on("echo", (shape, ack) => ack(shape));
  socket.on("combine", (numbers, words, ack) => ack(numbers.reduce((sum, n) => sum + n, 0), words.join(",")));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack(room);
  });
  socket.on("relay", (room, shape) => socket.to(room).emit("relayed", shape));
  socket.on("askRoom", async (room, x, ack) => {
    const answers = await probe.to(room).timeout(2000).emitWithAck("question", x);
    ack(answers.sort((p, q) => p - q));
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

// Exit with the test process: stdin closes when the parent goes away.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
