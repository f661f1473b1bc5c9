// Drives samples/Benchmark.Server with the official socket.io-client, the one pinned (package-lock.json) for the
// interop tests in tests/SocketIO.Typed.Interop.Tests/node (CI runs `npm ci` there):
//
//   node bench-client.mjs <url> <polling|websocket>
//
// Checks the benchmark contract's two events (the load harness's BENCH-CONTRACT.md): `echo` is acknowledged with its
// argument, `broadcast` reaches every socket of "/" as `tick`, the sender included. Prints one JSON line; exit code 0
// on success, 1 on failure, 3 when the hard time limit is reached.
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../SocketIO.Typed.Interop.Tests/node/package.json", import.meta.url));
const { io } = require("socket.io-client");

const STEP_TIMEOUT_MS = 5_000;
const [baseUrl, transport] = process.argv.slice(2);
const sockets = [];

const hardTimer = setTimeout(() => finish(3, { ok: false, error: "hard time limit of 15 s reached" }), 15_000);
hardTimer.unref();

function finish(code, payload) {
  for (const socket of sockets) {
    socket.close();
  }
  if (!payload.ok) {
    process.stderr.write(`FAILED: ${payload.error}\n`);
  }
  process.stdout.write(JSON.stringify(payload) + "\n", () => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect() {
  const socket = io(baseUrl, { transports: [transport], upgrade: false, forceNew: true, reconnection: false, timeout: STEP_TIMEOUT_MS });
  sockets.push(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
    }),
    "connect",
  );
}

function nextTick(socket) {
  return withTimeout(new Promise((resolve) => socket.once("tick", resolve)), "tick");
}

async function main() {
  assert.ok(transport === "polling" || transport === "websocket", "usage: node bench-client.mjs <url> <polling|websocket>");
  const [a, b] = await Promise.all([connect(), connect()]);

  // echo: the harness's ASCII payload, then text the typed path must decode and re-encode (quotes, escapes, non-ASCII).
  const texts = ["x".repeat(32), 'quote " backslash \\ newline \n tab \t é ✓ 😀'];
  for (const text of texts) {
    const answer = await withTimeout(a.emitWithAck("echo", text), "the echo's ack");
    assert.equal(answer, text);
  }

  // broadcast -> tick to everyone, the sender included; t and s stay integers.
  const payload = { t: 912345678901234, s: 7, p: "y".repeat(40) };
  const ticks = Promise.all([nextTick(a), nextTick(b)]);
  a.emit("broadcast", payload);
  const [toSender, toOther] = await ticks;
  assert.deepEqual(toSender, payload);
  assert.deepEqual(toOther, payload);
  return { ok: true, transport, echoes: texts.length, tick: toOther };
}

main().then(
  (result) => finish(0, result),
  (err) => finish(1, { ok: false, error: err?.stack ?? String(err) }),
);
