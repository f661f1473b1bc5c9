// One Node node of a Socket.IO cluster: the official socket.io server with the official Redis adapter (both pinned in
// package.json), the twin of samples/Cluster.Server, so a test can mix Node and .NET nodes on one broker.
//
//   node cluster-node.mjs --port N --adapter redis|redis-streams --connection redis://127.0.0.1:6379 [--recovery]
//   node cluster-node.mjs --port N --adapter postgres --connection postgres://postgres@127.0.0.1:5432/postgres
//
// --recovery turns connection state recovery on (the Redis Streams adapter keeps sessions and packets for the whole
// cluster).
// On "/": emits welcome {server: "node", port} on connect; join(room) -> ack room; to-room(room, msg) -> room-msg msg
// to the room across the cluster; fetch(room) -> ack the sorted ids of the room's sockets across the cluster;
// count-servers() -> ack the server count; ask-servers(x) -> server-side emit ping-server x with acks, ack the answers;
// ping-server x -> answer {port, x}; broadcast-ack(room, x) -> emit question x to the room with a 2 s timeout, ack the
// answers; kick-room(room) -> disconnect the room's sockets across the cluster; to-room-except(room, id, msg) and
// to-room-volatile(room, msg); fetch-details(room) -> the room's sockets with rooms, data, address and query;
// broadcast-ack-within(room, ms) -> [all answered, answers]; a server-side "note" x -> room-msg
// "note:x" to this node's sockets in room "r".
// Prints "LISTENING <port>" once it accepts connections and the adapter is subscribed.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createClusterAdapter } from "./adapters.mjs";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg("--port", "0"));
const adapter = arg("--adapter", "redis");
const connection = arg("--connection", "redis://127.0.0.1:6379");
const recovery = process.argv.includes("--recovery");
const clusterAdapter = await createClusterAdapter(adapter, connection);

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter: clusterAdapter,
  connectionStateRecovery: recovery ? { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true } : undefined,
});

io.on("connection", (socket) => {
  socket.emit("welcome", { server: "node", port: httpServer.address().port, recovered: socket.recovered });
  socket.on("set-data", (key, value, ack) => {
    socket.data[key] = value;
    ack(true);
  });
  socket.on("get-data", (key, ack) => ack(socket.data[key] ?? null));
  socket.on("rooms", (ack) => ack([...socket.rooms].sort()));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack(room);
  });
  socket.on("to-room", (room, msg) => io.to(room).emit("room-msg", msg));
  socket.on("to-room-except", (room, except, msg) => io.to(room).except(except).emit("room-msg", msg));
  socket.on("to-room-volatile", (room, msg) => io.to(room).volatile.emit("room-msg", msg));
  // Each socket of the room across the cluster as another server describes it: id, rooms, data, handshake address.
  socket.on("fetch-details", async (room, ack) => {
    const sockets = await io.in(room).fetchSockets();
    ack(sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data, address: s.handshake.address, query: s.handshake.query }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)));
  });
  // A broadcast with acks that may time out: [all answered?, the answers].
  socket.on("broadcast-ack-within", (room, ms, ack) => {
    io.to(room).timeout(ms).emit("question", 1, (err, answers) => ack([!err, [...answers].sort()]));
  });
  socket.on("fetch", async (room, ack) => {
    const sockets = await io.in(room).fetchSockets();
    ack(sockets.map((s) => s.id).sort());
  });
  socket.on("count-servers", async (ack) => ack(await io.of("/").adapter.serverCount()));
  socket.on("ask-servers", (x, ack) => {
    // The adapter's requestsTimeout (3 s) bounds the wait.
    io.serverSideEmit("ping-server", x, (err, answers) => ack(err ? { error: String(err), answers } : answers));
  });
  socket.on("broadcast-ack", (room, x, ack) => {
    io.to(room).timeout(2000).emit("question", x, (err, answers) => ack(err ? { error: String(err), answers } : answers));
  });
  socket.on("kick-room", (room) => io.in(room).disconnectSockets());
});

io.on("ping-server", (x, ack) => ack({ port: httpServer.address().port, x }));
// A server-side "note" (from an emitter or another server): this node's sockets in room "r" hear of it.
io.on("note", (x) => io.local.to("r").emit("room-msg", "note:" + x));

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

// Exit with the test process: stdin closes when the parent goes away.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
