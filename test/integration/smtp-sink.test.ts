// The tests' SMTP sink (test/support/smtp-sink.ts) outlives senders that die mid-session: a worker
// SIGKILLed while talking to it resets its connections, and each reset is an error the server emits.
import { Socket } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";

let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(() => sink?.stop());

async function resetMidSession(port: number): Promise<void> {
  const socket = new Socket();
  await new Promise<void>((resolve) => socket.connect(port, "127.0.0.1", resolve));
  const reply = () =>
    new Promise<string>((resolve) => socket.once("data", (data) => resolve(data.toString())));
  // Inside a transaction (after MAIL FROM), where the server reports a reset as an error.
  await reply();
  socket.write("EHLO worker.test\r\n");
  await reply();
  socket.write("MAIL FROM:<hello@lumen.example>\r\n");
  expect(await reply()).toMatch(/^250 /);
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.resetAndDestroy();
  });
}

test("connections reset mid-transaction, one after another, leave the sink serving", async () => {
  for (let reset = 0; reset < 3; reset++) await resetMidSession(sink.port);
  // A later session still gets its greeting: the sink is alive and the process was not brought down.
  const socket = new Socket();
  await new Promise<void>((resolve) => socket.connect(sink.port, "127.0.0.1", resolve));
  const greeting = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
  expect(greeting.toString()).toMatch(/^220 /);
  socket.destroy();
});
