// What the generated declarations allow and refuse, checked by tsc (never run).
import type { Socket } from "socket.io-client";
import type { ClientToServerEvents, JoinReply, SendReply, ServerToClientEvents } from "../src/generated/contracts";

export function checks(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
  // Acknowledged events take a trailing callback with the answer; emitWithAck infers it.
  socket.emit("join", "ann", "general", (reply: JoinReply) => reply.ok);
  socket.timeout(1000).emit("message", "hello", (err: Error, reply: SendReply) => err ?? reply.id);
  void socket.emitWithAck("join", "ann", "general").then((reply) => reply.users?.length);
  socket.emit("image", "image/png", new Uint8Array([1, 2, 3]), () => undefined);
  socket.emit("typing", true);
  socket.on("message", (message) => message.text.toUpperCase());
  socket.on("typing", (nick, isTyping) => (isTyping ? nick : ""));
  socket.on("image", (image) => image.data);

  // @ts-expect-error a room name is a string
  socket.emit("join", "ann", 42, () => undefined);
  // @ts-expect-error "message" answers: the callback is required
  socket.emit("message", "hello");
  // @ts-expect-error no such event in the contract
  socket.emit("mesage", "hello");
  // @ts-expect-error typing takes a boolean
  socket.emit("typing", "yes");
  // @ts-expect-error the server sends a ChatMessage, which has no "body"
  socket.on("message", (message) => message.body);
  // @ts-expect-error JoinReply.ok is a boolean
  void socket.emitWithAck("join", "ann", "general").then((reply) => reply.ok.toUpperCase());
}
