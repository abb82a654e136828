// The mail inbox of `npm run dev` (scripts/dev-stack/mail-inbox.ts): a message sent to its SMTP port
// over a real SMTP exchange shows in the web inbox and in GET /api/email, its HTML is served without
// scripts, and the inbox still holds it after a restart on the same data folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, expect, test } from "vitest";
import { type CaughtEmail, startMailInbox } from "../../scripts/dev-stack/mail-inbox.ts";
import { freePort } from "../support/free-port.ts";

const directory = mkdtempSync(join(tmpdir(), "nf-mail-inbox-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

test("an email sent to the inbox is listed, shown without scripts, and kept across a restart", async () => {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const open = () => startMailInbox({ smtpPort, webPort, host: "127.0.0.1", directory });
  const web = (path: string) => fetch(`http://127.0.0.1:${webPort}${path}`);

  const inbox = await open();
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false });
  await transport.sendMail({
    from: "Lumen <hello@lumen.example>",
    to: "Ada Lovelace <ada@example.com>",
    subject: "Welcome, Ada — café",
    html: "<p>Hello <b>Ada</b></p><script>alert(1)</script>",
    text: "Hello Ada",
  });
  transport.close();

  const listed = (await (await web("/api/email")).json()) as CaughtEmail[];
  expect(listed).toHaveLength(1);
  const [email] = listed as [CaughtEmail];
  expect(email).toMatchObject({
    subject: "Welcome, Ada — café",
    from: '"Lumen" <hello@lumen.example>',
    to: '"Ada Lovelace" <ada@example.com>',
    text: "Hello Ada",
  });
  expect(email.html).toContain("<b>Ada</b>");

  const page = await (await web("/")).text();
  expect(page).toContain("1 email(s)");
  expect(page).toContain(`href="/email/${email.id}"`);
  expect(page).toContain("Welcome, Ada");

  const shown = await web(`/email/${email.id}`);
  expect(shown.status).toBe(200);
  expect(shown.headers.get("content-security-policy")).toContain("default-src 'none'");
  expect(await shown.text()).toContain("<b>Ada</b>");
  expect((await web("/email/unknown")).status).toBe(404);
  await inbox.stop();

  const reopened = await open();
  try {
    const again = (await (await web("/api/email")).json()) as CaughtEmail[];
    expect(again.map(({ id, subject }) => ({ id, subject }))).toEqual([
      { id: email.id, subject: email.subject },
    ]);
  } finally {
    await reopened.stop();
  }
});
