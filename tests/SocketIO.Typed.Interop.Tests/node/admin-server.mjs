// The official socket.io server instrumented with the official @socket.io/admin-ui (both pinned in package.json):
// the reference the Admin UI tests compare our instrumentation with.
//
//   node admin-server.mjs [--port N] [--readonly]
//
// Login admin / secret (the package wants a bcrypt hash of it). The /chat namespace lets a user socket join a room,
// echo an event and be told things. Prints "LISTENING <port>" once it accepts connections.
// tests/SocketIO.Typed.Interop.Tests/AdminUITests.cs has the same server written with SocketIO.Typed.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { instrument } from "@socket.io/admin-ui";
import bcrypt from "bcryptjs";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const httpServer = createServer();
const io = new Server(httpServer);

io.of("/chat").on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack(true);
  });
  socket.on("echo", (...args) => socket.emit("echo-back", ...args));
});

instrument(io, {
  auth: { type: "basic", username: "admin", password: bcrypt.hashSync("secret", 4) },
  readonly: process.argv.includes("--readonly"),
  serverId: "reference",
  mode: "development",
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

// Exit with the test process: stdin closes when the parent goes away.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
