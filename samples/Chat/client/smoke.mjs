// End-to-end check of the Chat sample with the official socket.io-client:
//   node smoke.mjs http://localhost:5000
// Serves the page and the client bundle; two clients (one upgrading to WebSocket, one staying on HTTP long-polling)
// join "general", see each other in the user list, exchange a typing indicator, a message (acknowledged by the
// server), and an image sent as binary that must arrive byte for byte; then one switches rooms and disconnects.
// Exit code 0 on success, 1 on failure; gives up after 15 seconds.
import { randomBytes } from "node:crypto";
import { io } from "socket.io-client";

const url = process.argv[2] ?? "http://localhost:5000";
const deadline = setTimeout(() => fail("timed out after 15 s"), 15000);
const clients = [];
const steps = [];

function fail(reason) {
  console.error(`FAIL ${reason}` + (steps.length ? ` (passed: ${steps.join(", ")})` : ""));
  clients.forEach((c) => c.close());
  process.exit(1);
}

function step(name) {
  steps.push(name);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

// Resolves with the first event `name` whose arguments satisfy `accept`.
function next(socket, name, accept = () => true) {
  return new Promise((resolve) => {
    const listener = (...args) => {
      if (accept(...args)) {
        socket.off(name, listener);
        resolve(args);
      }
    };
    socket.on(name, listener);
  });
}

function connect(options) {
  const socket = io(url, { reconnection: false, forceNew: true, ...options });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => reject(new Error(`connect_error: ${error.message}`)));
  });
}

async function get(path, expected) {
  const response = await fetch(new URL(path, url));
  check(response.ok, `GET ${path}: HTTP ${response.status}`);
  const body = await response.text();
  check(body.includes(expected), `GET ${path}: does not contain ${JSON.stringify(expected)}`);
}

async function main() {
  await get("/", "lib/socket.io.min.js");
  await get("/lib/socket.io.min.js", "Socket.IO v4.8.4");
  await get("/js/app.js", "socket.on(\"image\"");
  step("static files");

  const suffix = randomBytes(3).toString("hex");
  const ann = `ann-${suffix}`;
  const bob = `bob-${suffix}`;
  const a = await connect({});                                      // polling, then upgrade to WebSocket
  const b = await connect({ transports: ["polling"], upgrade: false }); // HTTP long-polling only
  step("connect");

  const joinA = await a.timeout(5000).emitWithAck("join", ann, "general");
  check(joinA.ok && joinA.room === "general" && joinA.users.includes(ann), `join ack: ${JSON.stringify(joinA)}`);
  const usersSeenByA = next(a, "users", (users) => users.includes(bob));
  const noticeSeenByA = next(a, "notice", (text) => text === `${bob} joined`);
  const joinB = await b.timeout(5000).emitWithAck("join", bob, "general");
  check(joinB.ok && joinB.users.includes(ann) && joinB.users.includes(bob), `join ack: ${JSON.stringify(joinB)}`);
  await Promise.all([usersSeenByA, noticeSeenByA]);
  step("join");

  // The server sends typing indicators as volatile events: over long-polling one is dropped when b has no poll
  // waiting at that instant (engine.io's rule), so a sends it again until b sees one.
  const typing = next(b, "typing", (nick, isTyping) => nick === ann && isTyping === true);
  a.emit("typing", true);
  const again = setInterval(() => a.emit("typing", true), 200);
  await typing;
  clearInterval(again);
  step("typing");

  const text = `hello from ${ann} ✓ "quoted" <b>not html</b>`;
  const received = next(b, "message", (m) => m.nick === ann);
  const ack = await a.timeout(5000).emitWithAck("message", text);
  check(ack.ok && typeof ack.id === "string" && typeof ack.time === "string", `message ack: ${JSON.stringify(ack)}`);
  const [message] = await received;
  check(message.text === text && message.id === ack.id, `message received: ${JSON.stringify(message)}`);
  step("message+ack");

  // 200 KB of random bytes: several WebSocket frames' worth, and every byte value.
  const image = randomBytes(200 * 1024);
  const arrayBuffer = image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength);
  const receivedImage = next(a, "image", (m) => m.nick === bob);
  const imageAck = await b.timeout(5000).emitWithAck("image", "image/png", arrayBuffer);
  check(imageAck.ok, `image ack: ${JSON.stringify(imageAck)}`);
  const [imageMessage] = await receivedImage;
  check(imageMessage.type === "image/png" && imageMessage.id === imageAck.id, "image metadata differs");
  check(Buffer.isBuffer(imageMessage.data) || imageMessage.data instanceof ArrayBuffer, `image data is ${typeof imageMessage.data}, not binary`);
  check(Buffer.from(imageMessage.data).equals(image), "image bytes differ");
  step("binary image");

  const rejected = await a.timeout(5000).emitWithAck("image", "image/png", "not binary");
  // Not an image of the contract (a string where bytes belong): the runtime answers the binding failure.
  check(rejected.error === "binding" && typeof rejected.message === "string", `invalid image ack: ${JSON.stringify(rejected)}`);
  step("validation");

  // Joining another room leaves the current one (one room at a time), and the old room is told.
  const switchNotice = next(a, "notice", (text) => text === `${bob} left`);
  const usersAfterSwitch = next(a, "users", (users) => !users.includes(bob));
  const otherRoom = await b.timeout(5000).emitWithAck("join", bob, `other-${suffix}`);
  check(otherRoom.ok && otherRoom.users.length === 1 && otherRoom.users[0] === bob, `switch ack: ${JSON.stringify(otherRoom)}`);
  await Promise.all([switchNotice, usersAfterSwitch]);
  const backNotice = next(a, "notice", (text) => text === `${bob} joined`);
  await b.timeout(5000).emitWithAck("join", bob, "general");
  await backNotice;
  step("switch room");

  const leftNotice = next(a, "notice", (text) => text.startsWith(`${bob} left (`));
  const usersAfterLeave = next(a, "users", (users) => !users.includes(bob));
  b.close();
  await Promise.all([leftNotice, usersAfterLeave]);
  step("leave");

  console.log(`OK chat smoke test against ${url} (${a.io.engine.transport.name} + polling): ${steps.join(", ")}`);
  clearTimeout(deadline);
  clients.forEach((c) => c.close());
}

main().catch((error) => fail(error.message));
