// The mail catcher of `npm run dev`: an SMTP server that accepts every message and a web inbox that
// shows them, inside the supervisor's own process (a separate mail catcher process held about 170 MB,
// BENCHMARKS.md, "npm run dev memory"). Each message is kept as a .eml file in the data folder, so the
// inbox survives a restart; `GET /api/email` lists them as JSON (newest last), as maildev's API did.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtEmail {
  id: string;
  subject: string;
  from: string;
  to: string;
  date: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
}

export interface MailInbox {
  emails(): readonly CaughtEmail[];
  stop(): Promise<void>;
}

/** What the inbox accepts per message; the stack's own emails are a few tens of kilobytes. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

async function parseEmail(id: string, raw: Buffer, received: Date): Promise<CaughtEmail> {
  const parsed = await simpleParser(raw);
  const addresses = (value: typeof parsed.to) =>
    (Array.isArray(value) ? value : value ? [value] : []).map((list) => list.text).join(", ");
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) headers[key] = line.slice(line.indexOf(":") + 1).trim();
  return {
    id,
    subject: parsed.subject ?? "",
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    date: (parsed.date ?? received).toISOString(),
    html: parsed.html || null,
    text: parsed.text ?? null,
    headers,
  };
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function inboxPage(emails: readonly CaughtEmail[]): string {
  const rows = [...emails]
    .reverse()
    .map(
      (email) =>
        `<tr><td>${escapeHtml(email.date)}</td><td>${escapeHtml(email.to)}</td>` +
        `<td><a href="/email/${email.id}" target="message">${escapeHtml(email.subject || "(no subject)")}</a></td></tr>`,
    )
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Nurtureflow mail inbox</title>
<style>body{font-family:system-ui,sans-serif;margin:0;display:grid;grid-template-rows:auto 1fr;height:100vh}
table{border-collapse:collapse;width:100%}td{padding:4px 8px;border-bottom:1px solid #ddd}
#list{overflow:auto;max-height:40vh}iframe{border:0;border-top:2px solid #888;width:100%;height:100%}</style>
</head><body><div id="list"><h3 style="margin:8px">${emails.length} email(s) caught by npm run dev</h3>
<table><tr><th>received</th><th>to</th><th>subject</th></tr>${rows}</table></div>
<iframe name="message" sandbox></iframe></body></html>`;
}

export async function startMailInbox(options: {
  smtpPort: number;
  webPort: number;
  host: string;
  /** Where the .eml files are kept. */
  directory: string;
}): Promise<MailInbox> {
  mkdirSync(options.directory, { recursive: true });
  const emails: CaughtEmail[] = [];
  for (const file of readdirSync(options.directory)
    .filter((name) => name.endsWith(".eml"))
    .sort()) {
    const path = join(options.directory, file);
    try {
      emails.push(await parseEmail(file.slice(0, -4), readFileSync(path), statSync(path).mtime));
    } catch {
      // An unreadable file (cut short by a full disk, say) is left out of the inbox, not fatal to it.
    }
  }

  const smtp = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    size: MAX_MESSAGE_BYTES,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        // Named by arrival, so the files sort in the order the inbox lists them.
        const id = `${Date.now().toString().padStart(15, "0")}-${randomUUID().slice(0, 8)}`;
        // A message that cannot be parsed or kept is refused to its sender; the inbox goes on.
        parseEmail(id, raw, new Date())
          .then((email) => {
            writeFileSync(join(options.directory, `${id}.eml`), raw);
            emails.push(email);
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });

  const web: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://inbox");
    const message = /^\/email\/([\w-]+)$/.exec(url.pathname);
    if (url.pathname === "/api/email") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(emails));
    } else if (message) {
      const email = emails.find((candidate) => candidate.id === message[1]);
      if (!email) {
        response.writeHead(404).end();
        return;
      }
      // The message is shown as sent, but runs nothing and loads nothing from elsewhere but images.
      response.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; img-src * data:; style-src 'unsafe-inline'",
      });
      response.end(email.html ?? `<pre>${escapeHtml(email.text ?? "")}</pre>`);
    } else if (url.pathname === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(inboxPage(emails));
    } else {
      response.writeHead(404).end();
    }
  });

  const listen = (server: { listen(port: number, host: string, done: () => void): unknown }, port: number) =>
    new Promise<void>((resolve, reject) => {
      const target = server as unknown as NodeJS.EventEmitter;
      target.once("error", reject);
      server.listen(port, options.host, () => {
        target.off("error", reject);
        resolve();
      });
    });
  await listen(smtp, options.smtpPort);
  await listen(web, options.webPort);

  return {
    emails: () => emails,
    stop: async () => {
      web.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => web.close(() => resolve())),
      ]);
    },
  };
}
