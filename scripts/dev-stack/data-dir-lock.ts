// One dev stack per data directory: two would migrate the same database and open the same Temporal and
// PGlite files from two processes. The lock file holds the owner's pid; a lock whose pid is gone is stale.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataDirInUseError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockDataDir(dataDir: string): { path: string; release(): void } {
  const path = join(dataDir, "dev.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        path,
        release: () => {
          try {
            if (readFileSync(path, "utf8").trim() === String(process.pid)) rmSync(path, { force: true });
          } catch {
            // already removed
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new DataDirInUseError(
          `the data directory ${dataDir} is in use by another \`npm run dev\` (pid ${owner}, lock file ${path}); ` +
            "stop that one first, or set NURTUREFLOW_DATA_DIR to another directory",
        );
      }
      rmSync(path, { force: true }); // left by a stack that was killed
    }
  }
  throw new DataDirInUseError(`could not take the lock ${path}`);
}
