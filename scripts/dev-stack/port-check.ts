// Before the dev stack starts anything: is each of its ports free, and if not, which process holds it?
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

export interface PortInUse {
  port: number;
  what: string;
  /** e.g. `pid 4242 (node …/some-server --port 1025)`, or null where the holder cannot be seen. */
  holder: string | null;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Socket inodes listening on the port, from the kernel's tables (Linux; empty elsewhere). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const localPort = Number.parseInt(fields[1]?.split(":")[1] ?? "", 16);
      // State 0A is LISTEN; field 9 is the socket's inode.
      if (localPort === port && fields[3] === "0A" && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function describeHolder(port: number): string | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      return `pid ${pid} (${commandLine.length > 120 ? `${commandLine.slice(0, 117)}…` : commandLine})`;
    }
  }
  return null;
}

export async function portsInUse(
  wanted: ReadonlyArray<{ port: number; what: string }>,
): Promise<PortInUse[]> {
  const busy: PortInUse[] = [];
  for (const { port, what } of wanted) {
    if (!(await canListen(port))) busy.push({ port, what, holder: describeHolder(port) });
  }
  return busy;
}

export function describePortsInUse(busy: readonly PortInUse[]): string {
  return busy
    .map(
      ({ port, what, holder }) =>
        `port ${port} (${what}) is already in use${holder ? ` by ${holder}` : " (holder not visible to this user)"}`,
    )
    .join("\n");
}
