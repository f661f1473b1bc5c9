// Drives the official socket.io-client (pinned in package.json) against a SocketIO.Typed server.
//
//   node client.mjs <scenario> <url> <polling|websocket|upgrade>
//
// Runs one scenario, checks what the client saw, and prints ONE JSON line to stdout:
//   {"ok":true,"transport":"websocket","upgraded":true,"result":{...}}
// Exit code 0 on success; on failure a message on stderr (and {"ok":false,...} on stdout) and exit code 1.
// The process always ends by itself: a hard timer exits with code 3 after HARD_LIMIT_MS.
import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";

const HARD_LIMIT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

const [scenarioName, baseUrl, mode] = process.argv.slice(2);

const hardTimer = setTimeout(() => {
  finish(3, { ok: false, error: `hard time limit of ${HARD_LIMIT_MS} ms reached (scenario ${scenarioName}, ${mode})` });
}, HARD_LIMIT_MS);
hardTimer.unref();

let finished = false;
function finish(code, payload) {
  if (finished) {
    return;
  }
  finished = true;
  if (!payload.ok) {
    process.stderr.write(`FAILED: ${payload.error}\n`);
  }
  process.stdout.write(JSON.stringify(payload) + "\n", () => process.exit(code));
  // In case the write callback never runs.
  setTimeout(() => process.exit(code), 1000).unref();
}

// ---------------------------------------------------------------- options and helpers

function transportOptions() {
  switch (mode) {
    case "polling":
      return { transports: ["polling"], upgrade: false };
    case "websocket":
      return { transports: ["websocket"], upgrade: false };
    case "upgrade":
      return { transports: ["polling", "websocket"], upgrade: true };
    default:
      throw new Error(`unknown transport mode '${mode}' (expected polling, websocket or upgrade)`);
  }
}

// Every manager is a fresh connection that never reconnects on its own, so each scenario is deterministic.
function options(extra = {}) {
  return { ...transportOptions(), forceNew: true, reconnection: false, timeout: STEP_TIMEOUT_MS, ...extra };
}

const managers = new Set();

/** A socket on its own new connection (io(url, { forceNew: true })). */
function newSocket(namespace = "/", extra = {}) {
  const socket = io(new URL(namespace, baseUrl).href, options(extra));
  watch(socket.io);
  return socket;
}

/** A manager (one Engine.IO connection) to open several namespaces on. */
function newManager(extra = {}) {
  const manager = new Manager(baseUrl, { ...options(extra), autoConnect: true });
  watch(manager);
  return manager;
}

// Remembers, per manager, whether its engine upgraded from polling to WebSocket.
function watch(manager) {
  managers.add(manager);
  manager.upgraded = false;
  manager.on("open", () => {
    manager.engine.on("upgrade", () => {
      manager.upgraded = true;
    });
  });
}

function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event` (optionally the next one that matches `predicate`). */
function once(emitter, event, predicate = () => true) {
  return withTimeout(
    new Promise((resolve) => {
      const listener = (...args) => {
        if (predicate(...args)) {
          emitter.off(event, listener);
          resolve(args);
        }
      };
      emitter.on(event, listener);
    }),
    `event '${event}'`,
  );
}

function connected(socket) {
  if (socket.connected) {
    return Promise.resolve();
  }
  return withTimeout(
    new Promise((resolve, reject) => {
      const cleanup = () => {
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (err) => {
        cleanup();
        reject(new Error(`connect_error on ${socket.nsp}: ${err.message} ${JSON.stringify(err.data)}`));
      };
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
    }),
    `connect to ${socket.nsp}`,
  );
}

/** Resolves with the connect_error (message and data) the socket receives; fails if it connects instead. */
function connectError(socket) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const cleanup = () => {
        socket.off("connect", onConnect);
        socket.off("connect_error", onError);
      };
      const onConnect = () => {
        cleanup();
        reject(new Error(`${socket.nsp} connected although a connect_error was expected`));
      };
      const onError = (err) => {
        cleanup();
        resolve({ message: err.message, data: err.data ?? null });
      };
      socket.on("connect", onConnect);
      socket.on("connect_error", onError);
    }),
    `connect_error on ${socket.nsp}`,
  );
}

/** Emits with an acknowledgement and resolves with ALL the ack's arguments (emitWithAck keeps only the first). */
function emitAck(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(STEP_TIMEOUT_MS).emit(event, ...args, (err, ...response) => {
      if (err) {
        reject(new Error(`no acknowledgement for '${event}' within ${STEP_TIMEOUT_MS} ms`));
      } else {
        resolve(response);
      }
    });
  });
}

/** In upgrade mode, waits until the manager's engine runs on WebSocket. */
async function settled(manager) {
  if (mode !== "upgrade" || manager.engine?.transport?.name === "websocket") {
    return;
  }
  await withTimeout(
    new Promise((resolve, reject) => {
      manager.engine.once("upgrade", resolve);
      manager.engine.once("upgradeError", (err) => reject(new Error(`upgrade failed: ${err.message}`)));
    }),
    "the upgrade to websocket",
  );
}

const hex = (buffer) => Buffer.from(buffer).toString("hex");

function assertBuffer(value, expected, what) {
  assert.ok(Buffer.isBuffer(value), `${what}: expected a Buffer, got ${typeof value} ${JSON.stringify(value)}`);
  assert.equal(hex(value), hex(expected), `${what}: bytes differ`);
}

// ---------------------------------------------------------------- scenarios

const scenarios = {
  // Two nodes of a cluster (this URL and CLUSTER_OTHER_URL, both cluster-node.mjs / Cluster.Server): a socket on each,
  // room broadcasts both ways, FetchSockets, the server count and a broadcast with acks across the nodes.
  async cluster() {
    const other = process.env.CLUSTER_OTHER_URL;
    assert.ok(other, "CLUSTER_OTHER_URL is required");
    const a = newSocket("/");
    const b = io(new URL("/", other).href, options());
    watch(b.io);
    const received = { a: [], b: [] };
    for (const [name, socket] of [["a", a], ["b", b]]) {
      socket.on("welcome", () => {});
      socket.on("room-msg", (msg) => received[name].push(msg));
      socket.on("question", (x, ack) => ack(`js-${name}:${x}`));
      if (!socket.connected) {
        await withTimeout(new Promise((resolve) => socket.once("connect", resolve)), `connect ${name}`);
      }
      assert.equal(await socket.timeout(STEP_TIMEOUT_MS).emitWithAck("join", "r"), "r");
    }
    const waitFor = (name, count) => withTimeout(new Promise((resolve) => {
      const check = () => (received[name].length >= count ? resolve() : setTimeout(check, 10));
      check();
    }), `${count} room messages on ${name}`);
    a.emit("to-room", "r", "from js on a");
    b.emit("to-room", "r", Buffer.from([4, 2]));
    await Promise.all([waitFor("a", 2), waitFor("b", 2)]);
    const fetched = await a.timeout(STEP_TIMEOUT_MS).emitWithAck("fetch", "r");
    const servers = await b.timeout(STEP_TIMEOUT_MS).emitWithAck("count-servers");
    const answers = await b.timeout(STEP_TIMEOUT_MS).emitWithAck("broadcast-ack", "r", 5);
    const describe = (m) => (typeof m === "string" ? m : "bytes:" + Buffer.from(m).toString("hex"));
    return {
      ids: [a.id, b.id].sort(),
      fetched,
      servers,
      answers: [...answers].sort(),
      a: received.a.map(describe).sort(),
      b: received.b.map(describe).sort(),
    };
  },

  // Connection state recovery across a cluster (both nodes with recovery on, on the Redis Streams adapter): a socket on
  // this URL joins a room, keeps data and receives a broadcast; its connection is cut; two broadcasts go to the room
  // from a socket on CLUSTER_OTHER_URL (or CLUSTER_SENDER_URL); then the socket reconnects to CLUSTER_OTHER_URL and must
  // come back as itself.
  async "cluster-recovery"() {
    const other = process.env.CLUSTER_OTHER_URL;
    assert.ok(other, "CLUSTER_OTHER_URL is required");
    const a = newSocket("/");
    // The socket that sends the broadcasts: on the other node, or on CLUSTER_SENDER_URL.
    const c = io(new URL("/", process.env.CLUSTER_SENDER_URL ?? other).href, options());
    watch(c.io);
    const received = { a: [], c: [] };
    for (const [name, socket] of [["a", a], ["c", c]]) {
      socket.on("welcome", () => {});
      socket.on("room-msg", (msg) => received[name].push(msg));
      if (!socket.connected) {
        await withTimeout(new Promise((resolve) => socket.once("connect", resolve)), `connect ${name}`);
      }
      assert.equal(await socket.timeout(STEP_TIMEOUT_MS).emitWithAck("join", "r"), "r");
    }
    const waitFor = (name, count) => withTimeout(new Promise((resolve) => {
      const check = () => (received[name].length >= count ? resolve() : setTimeout(check, 10));
      check();
    }), `${count} room messages on ${name}`);
    const firstId = a.id;
    assert.equal(await a.timeout(STEP_TIMEOUT_MS).emitWithAck("set-data", "name", "ann"), true);
    c.emit("to-room", "r", "before");
    await Promise.all([waitFor("a", 1), waitFor("c", 1)]);

    // The cut: the engine closes under the socket (the server sees a transport close and keeps the session).
    const cut = new Promise((resolve) => a.once("disconnect", resolve));
    a.io.engine.close();
    await withTimeout(cut, "disconnect");
    // The node it left keeps the session when it sees the connection close: a client may come back sooner than that
    // (the session would be missing), so wait until the cluster no longer lists the socket (its session was written
    // before it left its rooms, on the same Redis connection).
    await withTimeout((async () => {
      while ((await c.timeout(STEP_TIMEOUT_MS).emitWithAck("fetch", "r")).includes(firstId)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })(), "the first node to let the socket go");
    c.emit("to-room", "r", "missed 1");
    c.emit("to-room", "r", Buffer.from([9, 9]));
    await waitFor("c", 3);

    // Back, on the other node.
    a.io.uri = new URL("/", other).href;
    const back = new Promise((resolve) => a.once("connect", resolve));
    a.connect();
    await withTimeout(back, "reconnect to the other node");
    const recovered = a.recovered;
    await waitFor("a", 3);
    c.emit("to-room", "r", "after");
    await waitFor("a", 4);
    const describe = (m) => (typeof m === "string" ? m : "bytes:" + Buffer.from(m).toString("hex"));
    return {
      recovered,
      sameId: a.id === firstId,
      data: await a.timeout(STEP_TIMEOUT_MS).emitWithAck("get-data", "name"),
      rooms: await a.timeout(STEP_TIMEOUT_MS).emitWithAck("rooms"),
      received: received.a.map(describe),
      id: a.id,
    };
  },

  // The typed probe hub (IProbeServer / IProbeClient): what the official client sends and receives is the
  // contract's wire format (camelCase events and properties, display_name, a number for Mood, a name for Level,
  // Data as a binary attachment at depth, the tuple as two ack arguments); a wrong shape is a binding error.
  async probe() {
    // The probe contract's namespace: "/probe" on the test servers, "/" on samples/Typed.Probe.Server.
    const probeNamespace = process.env.PROBE_NAMESPACE ?? "/probe";
    const a = newSocket(probeNamespace);
    const b = newSocket(probeNamespace);
    const c = newSocket(probeNamespace);
    await Promise.all([connected(a), connected(b), connected(c)]);
    const shape = {
      id: "7d3c9e4e-5a39-4a7e-8b43-3f1f8c1e2a10",
      name: "circle",
      at: "2026-11-30T01:02:03+01:00",
      mood: 1,
      level: "High",
      score: null,
      tags: ["a", "b"],
      weights: { w: 0.5 },
      inner: { note: "deep", data: Buffer.from([1, 2, 3, 255]) },
      display_name: "Circle One",
    };

    const [echoed] = await emitAck(a, "echo", shape);
    assert.deepEqual(Object.keys(echoed), ["id", "name", "at", "mood", "level", "score", "tags", "weights", "inner", "display_name"]);
    assert.ok(Buffer.isBuffer(echoed.inner.data), "Data comes back as a binary attachment");
    assert.deepEqual([...echoed.inner.data], [1, 2, 3, 255]);
    assert.deepEqual({ ...echoed, inner: { note: echoed.inner.note } }, { ...shape, inner: { note: "deep" } });

    const combined = await emitAck(a, "combine", [1, 2, 3], ["x", "y"]);
    assert.deepEqual(combined, [6, "x,y"], "the tuple is two ack arguments");

    for (const [socket, factor] of [[a, 1], [b, 10], [c, 100]]) {
      assert.deepEqual(await emitAck(socket, "join", "room"), ["room"]);
      socket.on("question", (x, ack) => ack(x * factor));
    }

    const [answers] = await emitAck(a, "askRoom", "room", 7);
    assert.deepEqual(answers, [7, 70, 700], "the room members' answers (the asker's too), collected by a broadcast ack");

    const relayed = once(b, "relayed");
    a.emit("relay", "room", shape);
    const [got] = await relayed;
    assert.equal(got.display_name, "Circle One");
    assert.deepEqual([...got.inner.data], [1, 2, 3, 255]);

    // A client that does not follow the contract: an error answer, and the connection stays.
    const [error] = await emitAck(a, "combine", "not numbers", { x: 1 });
    assert.equal(error.error, "binding");
    assert.match(error.message, /Argument 0 \('numbers'\)/);
    const [noRoom] = await emitAck(a, "echo", { id: "not a guid" });
    assert.equal(noRoom.error, "binding");
    assert.deepEqual(await emitAck(a, "join", "after"), ["after"]);
    assert.ok(a.connected);
    return { answers, combined };
  },

  // Connection state recovery (server with ConnectionStateRecovery on): after a cut shorter than
  // maxDisconnectionDuration the socket gets its id, rooms and data back, and every event it missed, in order,
  // each with its offset as last argument; volatile events and events for other rooms are not replayed.
  async recovery() {
    const observer = newSocket("/observer");
    await connected(observer);
    const socket = newSocket("/");
    const tracked = new Set(["before-cut", "missed-room", "missed-all", "missed-direct", "not-for-you", "volatile-missed", "excluded", "missed-binary", "live"]);
    const seen = [];
    socket.onAny((event, ...args) => {
      if (tracked.has(event)) {
        seen.push([event, ...args]);
      }
    });
    await connected(socket);
    await settled(socket.io);
    const firstId = socket.id;
    assert.equal(socket.recovered, false, "a first connection is not recovered");
    const beforeCut = once(socket, "before-cut");
    const [setupRecovered] = await emitAck(socket, "recovery-setup");
    await beforeCut;
    assert.equal(setupRecovered, false);

    // The cut: the transport closes under the socket; the server sees "transport close".
    const gone = once(observer, "peer-disconnected", (id) => id === firstId);
    socket.io.engine.close();
    const [, serverReason] = await gone;
    await emitAck(observer, "recovery-broadcast", firstId);

    const live = once(socket, "live");
    socket.connect();
    await connected(socket);
    const recovered = socket.recovered;
    const sameId = socket.id === firstId;
    const [stateRecovered, rooms, tag] = await emitAck(socket, "recovery-state");
    await live;

    const names = seen.map((e) => e[0]);
    assert.deepEqual(names, ["before-cut", "missed-room", "missed-all", "missed-direct", "missed-binary", "live"], "replayed events, in order");
    const offsets = seen.map((e) => e[e.length - 1]);
    for (const offset of offsets) {
      assert.equal(typeof offset, "string", "each stored event ends with its offset");
    }
    assert.equal(new Set(offsets).size, offsets.length, "offsets are unique");
    assert.deepEqual(seen[1].slice(1, -1), [1]);
    assert.deepEqual(seen[2].slice(1, -1), [2]);
    assert.deepEqual(seen[3].slice(1, -1), [3]);
    assertBuffer(seen[4][1], Buffer.from([1, 2, 3]), "replayed binary event");
    assert.deepEqual(seen[5].slice(1, -1), [7]);
    return { firstId, serverReason, recovered, sameId, stateRecovered, rooms, tag, names };
  },

  // No recovery for an unknown private id, nor after maxDisconnectionDuration (server configured with a short one).
  async "recovery-expired"() {
    const bogus = newSocket("/", { auth: { pid: "not-a-session", offset: "nowhere" } });
    await connected(bogus);
    const [bogusRecovered] = await emitAck(bogus, "recovery-state");

    const observer = newSocket("/observer");
    await connected(observer);
    const socket = newSocket("/");
    await connected(socket);
    const firstId = socket.id;
    const beforeCut = once(socket, "before-cut");
    await emitAck(socket, "recovery-setup");
    await beforeCut;
    const gone = once(observer, "peer-disconnected", (id) => id === firstId);
    socket.io.engine.close();
    await gone;
    await new Promise((resolve) => setTimeout(resolve, 2500));

    socket.connect();
    await connected(socket);
    const [stateRecovered, rooms, tag] = await emitAck(socket, "recovery-state");
    return { bogusRecovered, recovered: Boolean(socket.recovered), sameId: socket.id === firstId, stateRecovered, rooms, tag, newId: socket.id };
  },

  // Auth payload echoed back; the client's socket.id is the server's socket.Id, not the Engine.IO id.
  async connect() {
    const auth = { token: "abc", n: 1.5, list: [1, "two", null, true, { deep: "é✓" }], text: "é✓ 😀" };
    const socket = newSocket("/", { auth });
    const hello = once(socket, "hello");
    await connected(socket);
    const [serverId, echoedAuth] = await hello;
    assert.deepEqual(echoedAuth, auth, "auth echoed by the server");
    assert.equal(socket.id, serverId, "client socket.id vs the server's socket.Id");
    assert.notEqual(socket.id, socket.io.engine.id, "the socket id must not be the Engine.IO session id");

    // Without an auth payload the server sees an empty object.
    const bare = newSocket("/");
    const bareHello = once(bare, "hello");
    await connected(bare);
    const [bareServerId, bareAuth] = await bareHello;
    assert.deepEqual(bareAuth, {}, "auth without a payload");
    assert.equal(bare.id, bareServerId);
    assert.notEqual(bare.id, socket.id);

    await settled(socket.io);
    return { socketId: socket.id, engineId: socket.io.engine.id, auth: echoedAuth, bareSocketId: bare.id, bareAuth };
  },

  // Mixed JSON arguments in both directions, unicode included (event names too).
  async events() {
    const socket = newSocket();
    await connected(socket);
    const args = [
      42,
      -7,
      3.25,
      9007199254740991,
      "é✓ «ünïcödé» 😀 日本語",
      'quote " backslash \\ slash / newline \n tab \t nul-ish \u0001 </script>',
      "",
      true,
      false,
      null,
      { a: { b: [1, "x", null, true, { c: "é✓" }] }, "ключ": "значение", empty: {}, list: [] },
      [1, [2, [3, []]], {}],
    ];
    const echo = once(socket, "echo-back");
    const parsed = once(socket, "echo-parsed");
    socket.emit("echo", ...args);
    const [echoed, [serverParsed]] = await Promise.all([echo, parsed]);
    assert.deepEqual(echoed, args, "arguments echoed unchanged");
    assert.deepEqual(
      serverParsed,
      { count: args.length, int: 42, negative: -7, double: 3.25, long: 9007199254740991, text: args[4], escaped: args[5], bool: true, isNull: true, deep: "é✓", key: "значение" },
      "values the server parsed",
    );

    // Values the server builds itself.
    const values = once(socket, "server-values");
    socket.emit("get-values");
    const serverValues = await values;
    assert.deepEqual(serverValues, [
      42,
      -7,
      3.25,
      9007199254740991,
      "é✓ 😀",
      true,
      false,
      null,
      { list: [1, "x", null], "é": "✓", nested: { deeper: [true] } },
      [1.5, {}],
      { fromJsonElement: [1, "é✓"] },
    ], "values built by the server");

    // A unicode event name in both directions.
    const unicode = once(socket, "événement✓-back");
    socket.emit("événement✓", "ü", 1);
    const unicodeArgs = await unicode;
    assert.deepEqual(unicodeArgs, ["ü", 1]);

    await settled(socket.io);
    return { echoed, serverParsed, serverValues, unicodeArgs };
  },

  // Buffers nested in objects, echoed back; bytes the server builds itself; a large buffer.
  async binary() {
    const socket = newSocket();
    await connected(socket);
    const small = Buffer.from([0, 1, 2, 253, 254, 255]);
    const text = Buffer.from("é✓", "utf8");
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) {
      big[i] = (i * 7) & 0xff;
    }
    const extra = Buffer.from([9, 8, 7]);
    const echo = once(socket, "bin-echo");
    const built = once(socket, "bin-built");
    socket.emit("bin", { name: "é✓", data: small, nested: { list: [text, "text", big] } }, extra);

    const [obj, extraBack] = await echo;
    assert.equal(obj.name, "é✓");
    assertBuffer(obj.data, small, "echoed data");
    assertBuffer(obj.nested.list[0], text, "echoed nested buffer");
    assert.equal(obj.nested.list[1], "text");
    assertBuffer(obj.nested.list[2], big, "echoed big buffer");
    assertBuffer(extraBack, extra, "echoed second argument");

    const [all, info, tail] = await built;
    const expectedAll = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assertBuffer(all, expectedAll, "byte[] built by the server");
    assertBuffer(info.reversed, Buffer.from(small).reverse(), "reversed data built by the server");
    assertBuffer(info.text, text, "nested text bytes decoded by the server");
    assert.equal(info.bigLength, big.length, "length of the big buffer the server received");
    assert.equal(info.bigSum, big.reduce((sum, b) => sum + b, 0), "byte sum of the big buffer the server received");
    assertBuffer(info.extra, extra, "second argument decoded by the server");
    assert.equal(tail, "tail");

    await settled(socket.io);
    return {
      echoedData: hex(obj.data),
      echoedNested: hex(obj.nested.list[0]),
      echoedBigLength: obj.nested.list[2].length,
      built: hex(all),
      reversed: hex(info.reversed),
      bigLength: info.bigLength,
      bigSum: info.bigSum,
    };
  },

  // Acknowledgements both ways, with binary in them.
  async ack() {
    const socket = newSocket();
    // Server -> client acks: the server asks, we answer (binary included), the server reports what it got.
    socket.on("question", (n, buffer, callback) => {
      callback(n * 6, Buffer.concat([buffer, Buffer.from([4])]), { nested: Buffer.from("é✓", "utf8"), ok: true });
    });
    socket.on("question-empty", (callback) => callback());
    socket.on("question-ignored", () => {
      // deliberately never acknowledged: the server's wait must time out
    });
    await connected(socket);

    // Client -> server ack.
    const [sum, text, reversed, nested] = await emitAck(socket, "sum", 2, 3, Buffer.from([1, 2, 3]));
    assert.equal(sum, 5);
    assert.equal(text, "é✓");
    assertBuffer(reversed, Buffer.from([3, 2, 1]), "reversed buffer in the ack");
    assertBuffer(nested.bin, Buffer.from([0xff, 0]), "nested buffer in the ack");
    assert.equal(nested.ok, true);

    // An ack without arguments.
    const empty = await emitAck(socket, "ack-empty");
    assert.deepEqual(empty, []);

    // Server -> client acks.
    const answer = once(socket, "answers");
    socket.emit("ask-me");
    const [report] = await answer;
    assert.deepEqual(report.first, { n: 42, bytes: hex([1, 2, 3, 4]), nested: hex(Buffer.from("é✓", "utf8")), ok: true }, "what the server got in our ack");
    assert.equal(report.emptyCount, 0, "argument count of an empty ack");
    assert.equal(report.ignored, "timeout", "an unanswered server emit must time out");

    await settled(socket.io);
    return { sum, text, reversed: hex(reversed), nestedBin: hex(nested.bin), emptyAck: empty, report };
  },

  // Several namespaces over one manager; an unknown namespace is refused.
  async namespaces() {
    const manager = newManager();
    const chat = manager.socket("/chat");
    const main = manager.socket("/");
    const welcome = once(chat, "welcome");
    await Promise.all([connected(chat), connected(main)]);
    const [welcomeNsp, welcomeId] = await welcome;
    assert.equal(welcomeNsp, "/chat");
    assert.equal(welcomeId, chat.id);
    assert.notEqual(chat.id, main.id);

    const nope = manager.socket("/nope");
    const nopeError = await connectError(nope);
    assert.equal(nopeError.message, "Invalid namespace");
    assert.equal(nope.connected, false);

    const [chatNsp, chatId, chatConnection] = await emitAck(chat, "which");
    const [mainNsp, mainId, mainConnection] = await emitAck(main, "which");
    assert.equal(chatNsp, "/chat");
    assert.equal(mainNsp, "/");
    assert.equal(chatId, chat.id);
    assert.equal(mainId, main.id);
    assert.equal(chatConnection, manager.engine.id, "/chat runs on the manager's Engine.IO session");
    assert.equal(mainConnection, manager.engine.id, "/ runs on the manager's Engine.IO session");

    // Leaving one namespace keeps the other (and the connection) alive.
    chat.disconnect();
    const [afterNsp] = await emitAck(main, "which");
    assert.equal(afterNsp, "/");
    assert.equal(main.connected, true);

    await settled(manager);
    return { chatId: welcomeId, mainId, engineId: manager.engine.id, nopeError, afterNsp };
  },

  // A namespace middleware refuses with message and data, then accepts the good token.
  async middleware() {
    const manager = newManager();
    const secure = manager.socket("/secure", { auth: { token: "bad" } });
    const refused = await connectError(secure);
    assert.equal(refused.message, "Not authorized");
    assert.deepEqual(refused.data, { code: 42 });

    secure.auth = {};
    secure.connect();
    const refusedNoToken = await connectError(secure);
    assert.equal(refusedNoToken.message, "Not authorized");

    // The main namespace has no middleware: it connects on the same manager.
    const main = manager.socket("/");
    await connected(main);

    secure.auth = { token: "good" };
    secure.connect();
    await connected(secure);
    const [token, nsp] = await emitAck(secure, "whoami");
    assert.equal(token, "good");
    assert.equal(nsp, "/secure");

    await settled(manager);
    return { refused, refusedNoToken, token, secureId: secure.id };
  },

  // Rooms: two of three clients join "r"; broadcasts reach exactly the members; socket.to() skips the sender.
  async rooms() {
    const names = ["A", "B", "C"];
    const clients = Object.fromEntries(names.map((name) => [name, newSocket()]));
    const received = Object.fromEntries(names.map((name) => [name, []]));
    for (const name of names) {
      const socket = clients[name];
      socket.on("room-msg", (round, text) => received[name].push(`room-msg:${round}:${text}`));
      socket.on("room-excl", (round, senderId) => received[name].push(`room-excl:${round}:${senderId === clients.A.id ? "A" : senderId === clients.B.id ? "B" : senderId}`));
    }
    await Promise.all(names.map((name) => connected(clients[name])));
    assert.deepEqual(await emitAck(clients.A, "join", "r"), [true]);
    assert.deepEqual(await emitAck(clients.B, "join", "r"), [true]);

    // "done" goes to every socket after the room broadcasts, so once each client has it, nothing else is coming.
    async function round(sender, n) {
      const done = names.map((name) => once(clients[name], "done", (r) => r === n));
      assert.deepEqual(await emitAck(clients[sender], "broadcast", n), [true]);
      await Promise.all(done);
    }

    await round("A", 1);
    assert.deepEqual(await emitAck(clients.B, "leave", "r"), [true]);
    await round("B", 2);

    const expected = {
      A: ["room-msg:1:to r", "room-msg:2:to r", "room-excl:2:B"],
      B: ["room-msg:1:to r", "room-excl:1:A"],
      C: [],
    };
    assert.deepEqual(received, expected, "who received the room broadcasts");

    await Promise.all(names.map((name) => settled(clients[name].io)));
    return { received };
  },

  // The server broadcasts with acks to every socket and collects the answers.
  async broadcastAck() {
    const a = newSocket();
    const b = newSocket();
    a.on("ask", (n, callback) => callback({ who: "A", n: n + 1 }));
    b.on("ask", (n, callback) => callback({ who: "B", n: n + 1 }));
    await Promise.all([connected(a), connected(b)]);
    await Promise.all([settled(a.io), settled(b.io)]);

    const [count, expected, all, responses] = await emitAck(a, "start-ask", 2000);
    assert.equal(count, 2, "answers the server collected");
    assert.equal(expected, 2, "sockets the server expected answers from");
    assert.equal(all, true);
    const sorted = [...responses].sort((x, y) => x.who.localeCompare(y.who));
    assert.deepEqual(sorted, [{ who: "A", n: 2 }, { who: "B", n: 2 }]);

    // A third socket that never answers: the broadcast times out with 2 of 3 answers.
    const c = newSocket();
    let cAsked = 0;
    c.on("ask", () => {
      cAsked++;
    });
    await connected(c);
    const [count2, expected2, all2] = await emitAck(a, "start-ask", 1500);
    assert.equal(count2, 2);
    assert.equal(expected2, 3);
    assert.equal(all2, false);
    assert.equal(cAsked, 1, "the silent socket received the question");

    return { first: { count, expected, all, responses: sorted }, second: { count: count2, expected: expected2, all: all2 } };
  },

  // Disconnect reasons on both sides; an observer socket on /observer hears the server's reasons.
  async disconnect() {
    const observer = newSocket("/observer");
    const serverReasons = new Map();
    const waiters = new Map();
    observer.on("peer-disconnected", (id, reason) => {
      serverReasons.set(id, reason);
      waiters.get(id)?.(reason);
    });
    const serverReason = (id) =>
      serverReasons.has(id)
        ? Promise.resolve(serverReasons.get(id))
        : withTimeout(new Promise((resolve) => waiters.set(id, resolve)), `the server's disconnect reason for ${id}`);
    await connected(observer);

    // 1. The server disconnects the socket.
    const kicked = newSocket();
    await connected(kicked);
    await settled(kicked.io);
    const kickedId = kicked.id;
    const kickedDisconnect = once(kicked, "disconnect");
    kicked.emit("kick-me");
    const [kickedReason] = await kickedDisconnect;
    assert.equal(kickedReason, "io server disconnect");
    const kickedServerReason = await serverReason(kickedId);

    // 2. The client disconnects from the namespace.
    const leaving = newSocket();
    await connected(leaving);
    await settled(leaving.io);
    const leavingId = leaving.id;
    const leavingDisconnect = once(leaving, "disconnect");
    leaving.disconnect();
    const [leavingReason] = await leavingDisconnect;
    assert.equal(leavingReason, "io client disconnect");
    const leavingServerReason = await serverReason(leavingId);

    // 3. The client closes the whole Engine.IO connection.
    const closing = newSocket();
    await connected(closing);
    await settled(closing.io);
    const closingId = closing.id;
    const closingTransport = closing.io.engine.transport.name;
    const closingDisconnect = once(closing, "disconnect");
    closing.io.engine.close();
    const [closingReason] = await closingDisconnect;
    assert.equal(closingReason, "forced close", "the client's own reason after closing its engine");
    const closingServerReason = await serverReason(closingId);

    assert.deepEqual(
      { kickedServerReason, leavingServerReason, closingServerReason },
      { kickedServerReason: "server namespace disconnect", leavingServerReason: "client namespace disconnect", closingServerReason: "transport close" },
      "reasons the server reported",
    );

    return {
      kicked: { id: kickedId, client: kickedReason, server: kickedServerReason },
      leaving: { id: leavingId, client: leavingReason, server: leavingServerReason },
      closing: { id: closingId, client: closingReason, server: closingServerReason, transport: closingTransport },
      observerTransport: observer.io.engine.transport.name,
    };
  },
};

// ---------------------------------------------------------------- main

async function main() {
  if (!scenarioName || !baseUrl || !mode) {
    throw new Error("usage: node client.mjs <scenario> <url> <polling|websocket|upgrade>");
  }
  const scenario = scenarios[scenarioName];
  if (!scenario) {
    throw new Error(`unknown scenario '${scenarioName}'; known: ${Object.keys(scenarios).join(", ")}`);
  }
  transportOptions(); // validates the mode

  const result = await scenario();

  // In upgrade mode every connection still open must have reached WebSocket.
  await Promise.all([...managers].filter((m) => m.engine?.readyState === "open").map(settled));

  // The transport the first connection ended on, and whether any connection upgraded.
  const first = [...managers][0];
  return {
    ok: true,
    scenario: scenarioName,
    mode,
    transport: first?.engine?.transport?.name ?? null,
    upgraded: [...managers].some((m) => m.upgraded),
    allUpgraded: [...managers].every((m) => m.upgraded),
    result,
  };
}

main().then(
  (payload) => {
    for (const manager of managers) {
      manager.engine?.close();
    }
    finish(0, payload);
  },
  (err) => finish(1, { ok: false, scenario: scenarioName, mode, error: err?.stack ?? String(err) }),
);
