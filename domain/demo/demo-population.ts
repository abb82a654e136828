// A made-up but plausible population for `npm run demo:data`: what each contact does over the period,
// as a time-ordered plan of actions that scripts/demo-data.ts writes through the store's own code.
// Pure and seeded: the same options always give the same plan (same emails, ids and keys).
//
// Every contact arrives on the site with an email (a newsletter sign-up) and is welcomed; from there a
// persona decides how far they go: browsing only, a form or download (lead), enough intent to pass the
// score threshold (MQL), sales acceptance (SQL, sometimes handed back: a backward move), a deal
// (opportunity), carts, abandoned carts with recovery emails, orders and repeat orders (customer),
// a review (evangelist). Emails are opened and clicked at realistic rates; a few contacts unsubscribe.
import type { LifecycleStage } from "../lifecycle/stages.ts";
import { seededRandom } from "../random/seeded-random.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The address domain of every demo contact: how a second run recognises the first. */
export const DEMO_EMAIL_DOMAIN = "demo.nurtureflow.example";

export type DemoAction =
  | {
      kind: "event";
      at: Date;
      email: string;
      marketingConsent: boolean;
      type: string;
      properties: Record<string, unknown>;
      idempotencyKey: string;
    }
  | { kind: "stage"; at: Date; email: string; to: LifecycleStage; reason: string }
  | {
      kind: "run";
      at: Date;
      email: string;
      runId: string;
      sequenceKey: string;
      entryKey: string;
      status: "running" | "completed" | "exited";
      exitReason: string | null;
      endedAt: Date | null;
    }
  | {
      kind: "send";
      at: Date;
      email: string;
      runId: string;
      stepId: string;
      templateKey: string;
      /** When the sending rules put the email off first (quiet hours), until `at`. */
      deferredAt: Date | null;
      bounced: boolean;
    }
  | { kind: "engage"; at: Date; email: string; runId: string; stepId: string; engagement: "open" | "click" }
  | { kind: "unsubscribe"; at: Date; email: string };

export interface DemoOptions {
  contacts: number;
  days: number;
  end: Date;
  seed?: number;
}

const PAGES = ["/", "/blog/automation-101", "/features", "/blog/lifecycle-stages", "/customers", "/docs"];
const PRODUCTS = [
  { name: "Starter kit", price: 29 },
  { name: "Team plan (year)", price: 240 },
  { name: "Onboarding session", price: 90 },
  { name: "Template pack", price: 15 },
];

/** The plan for the whole population, sorted by time (ties keep the order each contact made them in). */
export function demoPopulation(options: DemoOptions): DemoAction[] {
  const random = seededRandom(options.seed ?? 11);
  const start = options.end.getTime() - options.days * DAY;
  const actions: DemoAction[] = [];
  for (let n = 0; n < options.contacts; n++) {
    actions.push(...contactJourney(n, start, options.end.getTime(), random));
  }
  // A journey runs on past the period's end; the plan stops there.
  return actions
    .filter((action) => action.at.getTime() <= options.end.getTime())
    .map((action, order) => ({ action, order }))
    .sort((a, b) => a.action.at.getTime() - b.action.at.getTime() || a.order - b.order)
    .map(({ action }) => action);
}

function contactJourney(n: number, start: number, end: number, random: () => number): DemoAction[] {
  const email = `contact-${n}@${DEMO_EMAIL_DOMAIN}`;
  const consent = random() < 0.85;
  const actions: DemoAction[] = [];
  const between = (low: number, high: number) => low + random() * (high - low);
  const chance = (p: number) => random() < p;
  let eventCount = 0;
  const event = (at: number, type: string, properties: Record<string, unknown> = {}) => {
    eventCount += 1;
    actions.push({
      kind: "event",
      at: new Date(at),
      email,
      marketingConsent: consent,
      type,
      properties,
      idempotencyKey: `demo/${n}/${eventCount}`,
    });
  };
  let runCount = 0;
  /** A program run with its emails; `goalAt` ends it early (exit by goal) when it comes first. */
  const run = (
    at: number,
    sequenceKey: string,
    entryKey: string,
    emails: Array<{ stepId: string; templateKey: string; after: number }>,
    goalAt: number | null = null,
    goal = "",
  ) => {
    runCount += 1;
    const runId = `demo-${n}-${runCount}-${sequenceKey}`;
    const lastEmail = at + Math.max(...emails.map((mail) => mail.after));
    const stopsAt = goalAt !== null && goalAt < lastEmail ? goalAt : lastEmail + HOUR;
    const ended = stopsAt <= end;
    actions.push({
      kind: "run",
      at: new Date(at),
      email,
      runId,
      sequenceKey,
      entryKey,
      status: !ended ? "running" : stopsAt === goalAt ? "exited" : "completed",
      exitReason: ended && stopsAt === goalAt ? `goal: ${goal}` : null,
      endedAt: ended ? new Date(stopsAt) : null,
    });
    for (const mail of emails) {
      const planned = at + mail.after;
      if (planned >= stopsAt || !consent) continue;
      // Quiet hours: one in six emails waits for the morning.
      const deferred = chance(1 / 6);
      const sentAt = deferred ? planned + between(6, 10) * HOUR : planned;
      const bounced = chance(0.01);
      actions.push({
        kind: "send",
        at: new Date(sentAt),
        email,
        runId,
        stepId: mail.stepId,
        templateKey: mail.templateKey,
        deferredAt: deferred ? new Date(planned) : null,
        bounced,
      });
      if (bounced || !chance(0.45)) continue;
      const openedAt = sentAt + between(0.2, 30) * HOUR;
      actions.push({
        kind: "engage",
        at: new Date(openedAt),
        email,
        runId,
        stepId: mail.stepId,
        engagement: "open",
      });
      if (chance(0.3))
        actions.push({
          kind: "engage",
          at: new Date(openedAt + between(1, 20) * 60_000),
          email,
          runId,
          stepId: mail.stepId,
          engagement: "click",
        });
      if (chance(0.01)) actions.push({ kind: "unsubscribe", at: new Date(openedAt + 5 * 60_000), email });
    }
  };

  // Arrivals grow over the period (a campaign that works): later days are likelier.
  const arrival = start + Math.sqrt(random()) * (end - start - 2 * HOUR);
  event(arrival, "page_view", { path: "/", referrer: chance(0.5) ? "google" : "newsletter" });
  run(arrival + 60_000, "welcome", "once", [
    { stepId: "send-welcome", templateKey: "welcome", after: 60_000 },
  ]);
  let t = arrival;
  const browse = (count: number, path?: string) => {
    for (let i = 0; i < count; i++) {
      t += between(2, 72) * HOUR;
      event(t, "page_view", { path: path ?? PAGES[Math.floor(random() * PAGES.length)] });
    }
  };
  browse(Math.floor(between(1, 5)));
  const persona = random();
  if (persona < 0.3) return actions;

  // Lead: a form or a download.
  t += between(1, 10) * DAY;
  if (chance(0.5)) event(t, "form_submitted", { form: "newsletter-plus" });
  else event(t, "content_downloaded", { asset: "lifecycle-ebook.pdf" });
  run(t + 60_000, "nurture-lead", "stage/lead", [
    { stepId: "send-ebook", templateKey: "nurture-lead", after: 2 * DAY },
  ]);
  browse(Math.floor(between(1, 4)));
  if (persona < 0.55) return actions;

  // Intent, within a day: pricing views, a download and a demo request push the score past the MQL
  // threshold (50 points) however much the earlier points have decayed.
  t += between(1, 5) * DAY;
  for (let view = 0; view < 4; view++) {
    t += between(0.2, 4) * HOUR;
    event(t, "page_view", { path: "/pricing" });
  }
  event(t, "content_downloaded", { asset: "pricing-guide.pdf" });
  event(t + HOUR, "form_submitted", { form: "demo-request" });
  const mqlAt = t + HOUR;
  run(mqlAt + 60_000, "nurture-mql", "stage/mql", [
    { stepId: "send-guide", templateKey: "nurture-mql", after: DAY },
  ]);
  if (chance(0.12)) {
    // Not ready after all: handed back to nurturing.
    actions.push({
      kind: "stage",
      at: new Date(t + between(3, 15) * DAY),
      email,
      to: "lead",
      reason: "not ready",
    });
    return actions;
  }
  const buys = persona > 0.7;
  if (chance(0.5) || buys) {
    t += between(2, 20) * DAY;
    actions.push({ kind: "stage", at: new Date(t), email, to: "sql", reason: "accepted by sales" });
    if (chance(0.2) && !buys) {
      t += between(2, 10) * DAY;
      actions.push({ kind: "stage", at: new Date(t), email, to: "mql", reason: "rejected by sales" });
      return actions;
    }
    if (chance(0.6)) {
      t += between(1, 10) * DAY;
      event(t, "custom.deal_opened", { dealId: `deal-${n}` });
    }
  }
  if (!buys) return actions;

  // Buyer: carts, sometimes abandoned and recovered, orders, repeat orders, a review.
  const orders = chance(0.35) ? Math.floor(between(2, 5)) : 1;
  for (let order = 1; order <= orders; order++) {
    t += between(1, order === 1 ? 10 : 45) * DAY;
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)] as (typeof PRODUCTS)[number];
    const quantity = 1 + Math.floor(random() * 3);
    const items = [{ name: product.name, quantity, price: product.price }];
    const value = product.price * quantity;
    const cartId = `demo-cart-${n}-${order}`;
    event(t, "cart_updated", { cartId, value, items, currency: "EUR" });
    let placedAt = t + between(5, 50) * 60_000;
    if (chance(0.45)) {
      const abandonedAt = t + 2 * HOUR;
      event(abandonedAt, "cart_abandoned", { cartId, value, items, currency: "EUR" });
      const recovered = chance(0.4);
      placedAt = abandonedAt + between(2, 40) * HOUR;
      run(
        abandonedAt + 60_000,
        "cart-recovery",
        `cartId/${cartId}`,
        [
          { stepId: "send-reminder", templateKey: "cart-recovery-reminder", after: HOUR },
          { stepId: "send-incentive", templateKey: "cart-recovery-incentive", after: DAY + HOUR },
        ],
        recovered ? placedAt : null,
        "order_placed",
      );
      if (!recovered) continue;
    }
    const orderId = `demo-order-${n}-${order}`;
    event(placedAt, "order_placed", { orderId, cartId, total: value, items, currency: "EUR" });
    run(placedAt + 60_000, "post-purchase", `orderId/${orderId}`, [
      { stepId: "send-thanks", templateKey: "post-purchase-thanks", after: 60_000 },
    ]);
    t = placedAt;
  }
  if (chance(0.1)) event(t + between(3, 14) * DAY, "review_posted", { rating: 5 });
  return actions;
}
