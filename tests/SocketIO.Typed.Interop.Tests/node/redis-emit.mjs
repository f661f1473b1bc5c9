// The official @socket.io/redis-emitter (pinned in package.json) run once: it publishes what the arguments say and
// exits, so a test can drive a cluster from a process that is not a server.
//
//   node redis-emit.mjs --connection redis://127.0.0.1:6379 emit <room> <event> <json-arg>
//   node redis-emit.mjs --connection ... join <room> <new-room>
//   node redis-emit.mjs --connection ... disconnect <room>
//   node redis-emit.mjs --connection ... server-side <event> <json-arg>
// Prints "DONE" when published.
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";

const at = process.argv.indexOf("--connection");
const url = process.argv[at + 1];
const [command, ...rest] = process.argv.slice(at + 2);
const client = createClient({ url });
await client.connect();
const emitter = new Emitter(client);
switch (command) {
  case "emit":
    emitter.to(rest[0]).emit(rest[1], JSON.parse(rest[2]));
    break;
  case "join":
    emitter.in(rest[0]).socketsJoin(rest[1]);
    break;
  case "disconnect":
    emitter.in(rest[0]).disconnectSockets();
    break;
  case "server-side":
    emitter.serverSideEmit(rest[0], JSON.parse(rest[1]));
    break;
  default:
    throw new Error(`unknown command ${command}`);
}
// The emitter publishes without waiting; a round trip on the same connection makes sure it went out.
await client.ping();
process.stdout.write("DONE\n");
await client.quit();
