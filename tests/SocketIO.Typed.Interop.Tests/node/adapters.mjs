// The official cluster adapters, as the Node servers of the tests create them (cluster-node.mjs, chat-node.mjs):
// createClusterAdapter("redis" | "redis-streams" | "postgres", url) -> the `adapter` option of socket.io's Server.
import { createAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createAdapter as createPostgresAdapter } from "@socket.io/postgres-adapter";
import { createClient } from "redis";
import pg from "pg";

export async function createClusterAdapter(adapter, connection) {
  if (adapter === "redis" || adapter === "redis-streams") {
    const pubClient = createClient({ url: connection });
    const subClient = pubClient.duplicate();
    pubClient.on("error", (err) => process.stderr.write(`redis pub: ${err}\n`));
    subClient.on("error", (err) => process.stderr.write(`redis sub: ${err}\n`));
    await Promise.all([pubClient.connect(), subClient.connect()]);
    return adapter === "redis"
      ? createAdapter(pubClient, subClient, { requestsTimeout: 3000 })
      : createStreamsAdapter(pubClient);
  }

  if (adapter === "postgres") {
    const pool = new pg.Pool({ connectionString: connection });
    pool.on("error", (err) => process.stderr.write(`postgres: ${err}\n`));
    // postgres-adapter 0.5.0 keeps one client of the pool for LISTEN without an 'error' listener: when the database
    // restarts, that client's error would end the process. A listener on every client keeps the node alive; the adapter
    // then reconnects on the client's 'end'.
    pool.on("connect", (client) => client.on("error", (err) => process.stderr.write(`postgres client: ${err}\n`)));
    return createPostgresAdapter(pool, { errorHandler: (err) => process.stderr.write(`postgres adapter: ${err}\n`) });
  }

  throw new Error(`adapter ${adapter} is not supported by this node`);
}
