// An in-process SMTP server for tests: it keeps every message it accepts (parsed), can be told to
// reject recipients with a chosen reply code to exercise bounce and retry handling, and can hold a
// message at the end of DATA (not yet accepted) to exercise a sender that dies mid-send.
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";

export interface SinkMessage extends ParsedMail {
  /** The SMTP envelope, which a message's headers need not match (Bcc). */
  envelope: { from: string | null; to: string[] };
}

export interface InjectedFailure {
  /** An SMTP reply code: 4xx asks the client to retry later, 5xx rejects for good. */
  responseCode: number;
  message?: string;
  /** Reject at RCPT TO (the default) or after the message was transmitted (DATA). */
  at?: "rcpt" | "data";
}

/** Decides per recipient whether the sink rejects it; a bare number is a reply code at RCPT TO. */
export type FailureInjector = (recipient: string) => InjectedFailure | number | undefined;

export interface SmtpSinkOptions {
  /** Require AUTH with these credentials; the sink's url then carries them. */
  auth?: { user: string; pass: string };
  /** Listen on this port (a sink started again where a stopped one was); default: any free port. */
  port?: number;
}

/** A message held at the end of DATA: the client waits for the server's reply. */
export interface HeldDelivery {
  /** Resolves when a message for the recipient has been transmitted and is being held. */
  arrived: Promise<void>;
  /** Resolves when the held message was dropped because its client went away before the reply. */
  dropped: Promise<void>;
  /** Accepts the held message (or the next one, when none is held yet) and stops holding. */
  release(): void;
}

export interface SmtpSink {
  port: number;
  /** smtp://[user:pass@]127.0.0.1:port, ready for createSmtpTransport or SMTP_URL. */
  url: string;
  messages(): SinkMessage[];
  /** Resolves with the first message, already received or still to come, that matches. */
  waitForMessage(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  setFailure(injector: FailureInjector | null): void;
  /** While on, AUTH fails with 535 whatever the credentials (a relay that revoked ours). */
  refuseAuth(on: boolean): void;
  /** How many times a client named this recipient at RCPT TO: one per delivery attempt. */
  attempts(recipient: string): number;
  /** Holds the next message to this recipient after DATA, without replying, until released. */
  holdDelivery(recipient: string): HeldDelivery;
  /** Forgets the received messages, for a sink shared by several tests. */
  clear(): void;
  stop(): Promise<void>;
}

interface Hold {
  recipient: string;
  released: boolean;
  onArrived: () => void;
  onDropped: () => void;
  resume: (() => void) | null;
}

interface Waiter {
  predicate: (message: SinkMessage) => boolean;
  resolve: (message: SinkMessage) => void;
}

function smtpError(failure: InjectedFailure): Error {
  const error = new Error(failure.message ?? `Rejected by the test sink (${failure.responseCode})`);
  return Object.assign(error, { responseCode: failure.responseCode });
}

function addressOf(address: SMTPServerAddress | false): string | null {
  return address ? address.address : null;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: SinkMessage[] = [];
  const waiters = new Set<Waiter>();
  let injector: FailureInjector | null = null;
  let authRefused = false;
  const rcptCounts = new Map<string, number>();
  const holds = new Set<Hold>();
  // Sessions whose reply is being held, so a closed connection can drop its message.
  const heldSessions = new Map<string, Hold>();

  const failureFor = (recipient: string, stage: "rcpt" | "data"): InjectedFailure | undefined => {
    const decided = injector?.(recipient);
    const failure = typeof decided === "number" ? { responseCode: decided } : decided;
    return failure && (failure.at ?? "rcpt") === stage ? failure : undefined;
  };

  const deliver = (message: SinkMessage) => {
    received.push(message);
    for (const waiter of waiters) {
      if (waiter.predicate(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  };

  const server = new SMTPServer({
    logger: false,
    // A pooled client may still hold a connection when a test stops the sink; do not wait long for it.
    closeTimeout: 1_000,
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !options.auth,
    // Plain-text AUTH is fine on loopback; real servers would demand TLS first.
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const valid =
        !authRefused && auth.username === options.auth?.user && auth.password === options.auth?.pass;
      if (valid) callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      rcptCounts.set(address.address, (rcptCounts.get(address.address) ?? 0) + 1);
      const failure = failureFor(address.address, "rcpt");
      callback(failure ? smtpError(failure) : null);
    },
    onData(stream, session, callback) {
      const envelope = {
        from: addressOf(session.envelope.mailFrom),
        to: session.envelope.rcptTo.map((recipient) => recipient.address),
      };
      simpleParser(stream).then(
        (parsed) => {
          const failure = envelope.to.map((recipient) => failureFor(recipient, "data")).find(Boolean);
          if (failure) return callback(smtpError(failure));
          const accept = () => {
            deliver(Object.assign(parsed, { envelope }));
            callback(null);
          };
          const hold = [...holds].find((candidate) => envelope.to.includes(candidate.recipient));
          if (!hold || hold.released) {
            if (hold) holds.delete(hold);
            return accept();
          }
          hold.resume = () => {
            heldSessions.delete(session.id);
            holds.delete(hold);
            accept();
          };
          heldSessions.set(session.id, hold);
          hold.onArrived();
        },
        (error: Error) => callback(error),
      );
    },
    onClose(session) {
      const hold = heldSessions.get(session.id);
      if (!hold) return;
      heldSessions.delete(session.id);
      holds.delete(hold);
      hold.resume = null;
      hold.onDropped();
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // The server re-emits every connection's error: a sender killed mid-session (the worker-kill tests)
  // resets its connections, which must not end the test process.
  server.on("error", () => {});
  const { port } = server.server.address() as AddressInfo;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : "";

  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages: () => [...received],
    waitForMessage(predicate, timeoutMs = 5_000) {
      const seen = received.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    setFailure(next) {
      injector = next;
    },
    refuseAuth(on) {
      authRefused = on;
    },
    attempts: (recipient) => rcptCounts.get(recipient) ?? 0,
    holdDelivery(recipient) {
      let onArrived = () => {};
      let onDropped = () => {};
      const arrived = new Promise<void>((resolve) => {
        onArrived = resolve;
      });
      const dropped = new Promise<void>((resolve) => {
        onDropped = resolve;
      });
      const hold: Hold = { recipient, released: false, onArrived, onDropped, resume: null };
      holds.add(hold);
      return {
        arrived,
        dropped,
        release() {
          hold.released = true;
          hold.resume?.();
        },
      };
    },
    clear() {
      received.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
