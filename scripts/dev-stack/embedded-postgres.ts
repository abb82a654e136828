// The embedded PostgreSQL of `npm run dev` when no DATABASE_URL is set: PGlite (PostgreSQL compiled to
// WebAssembly) on a data folder, served over the wire protocol. Run as its own process by the dev
// supervisor: `embedded-postgres.ts <data folder> <port>`. PGlite's defaults are a server's (128 MB of
// shared buffers); a local stack needs far less, and WebAssembly memory never shrinks once grown, so
// the buffers and working memory are set small here.
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** PostgreSQL settings for a one-developer database (measured in BENCHMARKS.md, "npm run dev memory"). */
const EMBEDDED_POSTGRES_SETTINGS = ["shared_buffers=8MB", "work_mem=1MB", "maintenance_work_mem=8MB"];

const [dataDir, port, maxConnections = "20"] = process.argv.slice(2);
if (!dataDir || !port) throw new Error("usage: embedded-postgres.ts <data folder> <port> [max connections]");

const db = new PGlite(dataDir, {
  startParams: [
    ...PGlite.defaultStartParams,
    ...EMBEDDED_POSTGRES_SETTINGS.flatMap((setting) => ["-c", setting]),
  ],
});
await db.waitReady;
const server = new PGLiteSocketServer({
  db,
  port: Number(port),
  host: "127.0.0.1",
  maxConnections: Number(maxConnections),
});
await server.start();
console.log(`PGlite serving ${dataDir} on 127.0.0.1:${port}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    await db.close();
    process.exit(0);
  });
}
