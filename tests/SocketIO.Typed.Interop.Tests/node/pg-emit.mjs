// The official @socket.io/postgres-emitter (pinned in package.json) run once: it notifies what the arguments say and
// exits, so a test can drive a cluster from a process that is not a server.
//
//   node pg-emit.mjs --connection postgres://postgres@127.0.0.1:5432/postgres emit <room> <event> <json-arg>
//   node pg-emit.mjs --connection ... join <room> <new-room>
//   node pg-emit.mjs --connection ... server-side <event> <json-arg>
// Prints "DONE" when published.
import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";

const at = process.argv.indexOf("--connection");
const url = process.argv[at + 1];
const [command, ...rest] = process.argv.slice(at + 2);
// One connection: the emitter does not wait for its queries, so a query after them runs after them.
const pool = new pg.Pool({ connectionString: url, max: 1 });
const emitter = new Emitter(pool);
switch (command) {
  case "emit":
    emitter.to(rest[0]).emit(rest[1], JSON.parse(rest[2]));
    break;
  case "join":
    emitter.in(rest[0]).socketsJoin(rest[1]);
    break;
  case "server-side":
    emitter.serverSideEmit(rest[0], JSON.parse(rest[1]));
    break;
  default:
    throw new Error(`unknown command ${command}`);
}
await pool.query("SELECT 1");
process.stdout.write("DONE\n");
await pool.end();
