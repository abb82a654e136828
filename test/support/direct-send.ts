// The send activity called directly, without a worker, against a test stack's store and a given
// SMTP transport: for tests of what the activity itself decides.
import pino from "pino";
import {
  createSequenceEmailActivities,
  type SequenceEmailDependencies,
} from "../../activities/email/sequence-email-activities.ts";
import type { createSmtpTransport } from "../../activities/email/smtp-transport.ts";
import { createTemplateCatalog } from "../../activities/email/template-catalog.ts";
import { createUnsubscribeLinks } from "../../activities/email/unsubscribe-links.ts";
import type { TestStack } from "./test-stack.ts";

export function directSendActivities(
  stack: TestStack,
  transport: ReturnType<typeof createSmtpTransport>,
  extra: Partial<SequenceEmailDependencies> = {},
) {
  return createSequenceEmailActivities({
    store: stack.store,
    transport,
    templates: createTemplateCatalog(stack.store),
    unsubscribeLinks: createUnsubscribeLinks("https://mail.example.com", "test-secret"),
    tracking: null,
    mailFrom: "Lumen Analytics <hello@lumen.example>",
    senderPostalAddress: "1 Example Street, Springfield",
    erasureHashSecret: stack.config.erasureHashSecret,
    logger: pino({ level: "silent" }),
    ...extra,
  });
}
