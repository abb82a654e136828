// The programs Nurtureflow ships with (DESIGN.md §2), seeded on every start (built-in-seeding.ts).
// Marketers change them by publishing new versions through the API: every timing, content link and
// the sales webhook below is a default meant to be replaced that way (example.com is a placeholder).
//
// Keys are never renamed: a seed under a new key would leave the old program running beside it.
import type { SequenceDefinition, WaitUntilStep } from "./sequence-schema.ts";

/** Where the MQL series hands a hot contact to sales; the marketer publishes a version with their own. */
export const SALES_HANDOFF_PLACEHOLDER_URL = "https://crm.example.com/hooks/hot-lead";

// Back in the funnel or moved on: once a contact shows life again its segment is one of these, which
// ends a win-back run whatever the interaction was (an open, a click, a visit, an order).
const ACTIVE_SEGMENTS = ["new", "lead", "waiting", "occasional", "repeat", "hero"] as const;

/** The next weekday at 9:00 in the contact's own time zone: when a piece of content gets read. */
function morning(id: string): WaitUntilStep {
  return { id, type: "wait_until", time: "09:00", days: ["mon", "tue", "wed", "thu", "fri"] };
}

export const BUILT_IN_SEQUENCES: Readonly<Record<string, SequenceDefinition>> = {
  // Newsletter sign-ups: known (segment new) but not yet interested (stage subscriber).
  "welcome-series": {
    key: "welcome-series",
    name: "Welcome series for subscribers",
    category: "marketing",
    trigger: { type: "segment_entered", segment: "new" },
    entry: { if: { stage: { in: ["subscriber"] } }, reEntry: { mode: "never" } },
    steps: [
      // Remembered so the welcome for new leads does not greet them a second time.
      { id: "mark-welcomed", type: "update_contact", set: { properties: { welcomeSeries: "received" } } },
      {
        id: "send-welcome",
        type: "send_email",
        template: "welcome",
        data: { resourcesUrl: "https://example.com/resources" },
      },
      { id: "wait-before-top-reads", type: "wait", duration: "4d" },
      morning("morning-top-reads"),
      {
        id: "send-top-reads",
        type: "send_email",
        template: "welcome-top-reads",
        data: {
          blogUrl: "https://example.com/blog",
          articles: [
            {
              title: "Attribution without the arguments",
              summary: "A simple model the whole team can agree on, and when to outgrow it.",
              meta: "8 min read",
              url: "https://example.com/blog/attribution",
            },
            {
              title: "The one-page marketing plan",
              summary: "Goals, channels and budget on a single page, with a template to copy.",
              meta: "6 min read",
              url: "https://example.com/blog/one-page-plan",
            },
          ],
        },
      },
      { id: "wait-before-toolkit", type: "wait", duration: "7d" },
      morning("morning-toolkit"),
      {
        id: "send-toolkit",
        type: "send_email",
        template: "welcome-toolkit",
        data: {
          toolkitUrl: "https://example.com/tools",
          tools: [
            {
              title: "Campaign brief template",
              summary: "The questions to answer before anyone opens a design tool.",
              meta: "Google Docs",
              url: "https://example.com/tools/campaign-brief",
            },
            {
              title: "UTM builder sheet",
              summary: "Consistent tracking links for every channel, with naming rules built in.",
              meta: "Spreadsheet",
              url: "https://example.com/tools/utm-builder",
            },
          ],
        },
      },
    ],
    goals: [{ type: "stage_reached", stage: "lead" }],
  },
  welcome: {
    key: "welcome",
    name: "Welcome new leads",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: {
      if: { not: { property: { name: "welcomeSeries", exists: true } } },
      reEntry: { mode: "never" },
    },
    steps: [
      {
        id: "send-welcome",
        type: "send_email",
        template: "welcome",
        data: { resourcesUrl: "https://example.com/resources" },
      },
    ],
    goals: [],
  },
  // Awareness: reports and e-books, until marketing qualifies the lead (stage mql or beyond).
  "nurture-lead": {
    key: "nurture-lead",
    name: "Nurture leads with awareness content",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-before-ebook", type: "wait", duration: "2d" },
      {
        id: "send-ebook",
        type: "send_email",
        template: "nurture-lead",
        data: {
          ebook: {
            title: "The marketing benchmark report",
            description: "How 1,200 teams split their budget across channels, and what it earned them.",
            readingTime: "20 minutes",
            url: "https://example.com/reports/benchmark",
          },
        },
      },
      { id: "wait-before-report", type: "wait", duration: "5d" },
      morning("morning-report"),
      {
        id: "send-report",
        type: "send_email",
        template: "nurture-lead",
        data: {
          ebook: {
            title: "The state of B2B email",
            description: "Open, click and reply rates by industry, and the sending habits behind the best.",
            readingTime: "15 minutes",
            url: "https://example.com/reports/b2b-email",
          },
        },
      },
    ],
    goals: [{ type: "stage_reached", stage: "mql" }],
  },
  // Consideration: a click on a guide or tutorial is the buying signal sales wants at once.
  "nurture-mql": {
    key: "nurture-mql",
    name: "Nurture MQLs and hand the engaged ones to sales",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "mql" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      {
        id: "send-guide",
        type: "send_email",
        template: "nurture-mql",
        data: {
          guide: {
            title: "The practical guide to lead scoring",
            url: "https://example.com/guides/lead-scoring",
          },
          webinar: {
            title: "Lead scoring that sales trusts",
            startsAt: "every first Thursday at 5 pm CET",
            registerUrl: "https://example.com/webinars/lead-scoring",
          },
        },
      },
      {
        id: "wait-guide-click",
        type: "wait_for_event",
        event: { type: "email_clicked", step: "send-guide" },
        timeout: "3d",
        // biome-ignore lint/suspicious/noThenProperty: "then" is the language's field name (DESIGN §2a).
        then: [
          {
            id: "tell-sales",
            type: "webhook",
            url: SALES_HANDOFF_PLACEHOLDER_URL,
            reason: "clicked the lead-scoring guide",
          },
          { id: "hand-off", type: "update_contact", set: { stage: "sql" } },
        ],
        else: [
          morning("morning-tutorials"),
          {
            id: "send-tutorials",
            type: "send_email",
            template: "nurture-mql-tutorials",
            data: {
              series: { title: "Lead scoring in 15 minutes", url: "https://example.com/videos/lead-scoring" },
              videos: [
                {
                  title: "1. Choosing the signals that matter",
                  summary: "Which behaviours predict a deal, and which only look busy.",
                  meta: "4 min",
                  url: "https://example.com/videos/lead-scoring/1",
                },
                {
                  title: "2. Setting a threshold sales agrees with",
                  summary: "Back-testing the score on last quarter's deals.",
                  meta: "5 min",
                  url: "https://example.com/videos/lead-scoring/2",
                },
              ],
            },
          },
          {
            id: "wait-tutorials-click",
            type: "wait_for_event",
            event: { type: "email_clicked", step: "send-tutorials" },
            timeout: "4d",
            // biome-ignore lint/suspicious/noThenProperty: "then" is the language's field name (DESIGN §2a).
            then: [
              {
                id: "tell-sales-tutorials",
                type: "webhook",
                url: SALES_HANDOFF_PLACEHOLDER_URL,
                reason: "clicked the lead-scoring tutorials",
              },
              { id: "hand-off-tutorials", type: "update_contact", set: { stage: "sql" } },
            ],
          },
        ],
      },
    ],
    goals: [{ type: "stage_reached", stage: "sql" }],
  },
  // Decision: proof from a peer, then an invitation to see it with their own data.
  "nurture-opportunity": {
    key: "nurture-opportunity",
    name: "Support open opportunities with a case study and a demo",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "opportunity" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-before-case-study", type: "wait", duration: "1d" },
      {
        id: "send-case-study",
        type: "send_email",
        template: "nurture-opportunity",
        data: {
          caseStudy: {
            customer: "Northwind Traders",
            outcome: "cut weekly reporting from two days to two hours",
            quote: "We stopped arguing about whose numbers were right and started acting on them.",
            quoteAuthor: "Head of Marketing, Northwind Traders",
            url: "https://example.com/customers/northwind",
          },
          demoUrl: "https://example.com/demo",
        },
      },
      { id: "wait-before-demo", type: "wait", duration: "4d" },
      morning("morning-demo"),
      {
        id: "send-demo-invitation",
        type: "send_email",
        template: "nurture-opportunity-demo",
        data: {
          demo: {
            length: "30 minutes",
            url: "https://example.com/demo",
            agenda: [
              { item: "Your current reporting, rebuilt live with your own exports" },
              { item: "How your team would work with it day to day" },
              { item: "Rollout plan, pricing and the answers to your security questions" },
            ],
          },
        },
      },
    ],
    goals: [{ type: "stage_reached", stage: "customer" }],
  },
  // One run per cart; the reminders show the cart as last stored (the latest cart_updated).
  "cart-recovery": {
    key: "cart-recovery",
    name: "Recover abandoned carts",
    category: "marketing",
    trigger: { type: "event", eventType: "cart_abandoned", entryKeyProperty: "cartId" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-before-reminder", type: "wait", duration: "1h" },
      { id: "send-reminder", type: "send_email", template: "cart-recovery-reminder" },
      { id: "wait-before-incentive", type: "wait", duration: "1d" },
      {
        id: "send-incentive",
        type: "send_email",
        template: "cart-recovery-incentive",
        data: { incentive: { code: "COMEBACK10", discount: "10%", expiresAt: "in 3 days" } },
      },
    ],
    goals: [{ type: "event", eventType: "order_placed", sameEntry: true }],
  },
  // A run that reaches its end unanswered makes the contact `lost` (classify-segment.ts).
  "re-engagement": {
    key: "re-engagement",
    name: "Win back contacts at risk",
    category: "marketing",
    trigger: { type: "segment_entered", segment: "at_risk" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      {
        id: "send-winback",
        type: "send_email",
        template: "re-engagement-winback",
        data: {
          highlights: [
            {
              title: "What is new",
              summary: "The features we shipped since you last visited.",
              url: "https://example.com/new",
            },
            {
              title: "The benchmark report",
              summary: "How 1,200 teams spend their budget, and what it earns them.",
              url: "https://example.com/reports/benchmark",
            },
          ],
          stayUrl: "https://example.com/preferences",
        },
      },
      { id: "wait-before-offer", type: "wait", duration: "5d" },
      {
        id: "send-offer",
        type: "send_email",
        template: "re-engagement-offer",
        data: {
          offer: {
            title: "Free access to the benchmark data",
            summary: "The full data set behind our benchmark report, yours free for 30 days.",
            url: "https://example.com/offers/benchmark-data",
            cta: "Unlock the data",
          },
        },
      },
      { id: "wait-before-last-call", type: "wait", duration: "7d" },
      {
        id: "send-last-call",
        type: "send_email",
        template: "re-engagement-last-call",
        data: { stayUrl: "https://example.com/preferences?stay=1" },
      },
      { id: "wait-for-answer", type: "wait", duration: "7d" },
    ],
    goals: ACTIVE_SEGMENTS.map((segment) => ({ type: "segment_entered" as const, segment })),
  },
  // The order confirmation and the delivery check are service messages: exempt from consent and caps.
  "post-purchase": {
    key: "post-purchase",
    name: "Confirm orders and check on their delivery",
    category: "transactional",
    trigger: { type: "event", eventType: "order_placed", entryKeyProperty: "orderId" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "send-thanks", type: "send_email", template: "post-purchase-thanks" },
      { id: "wait-for-delivery", type: "wait", duration: "5d" },
      {
        id: "send-delivery-check",
        type: "send_email",
        template: "post-purchase-delivery-check",
        data: { helpUrl: "https://example.com/help/orders" },
      },
    ],
    goals: [],
  },
  // Asking for a review and offering more are marketing (consent, unsubscribe), so they are not part of
  // the transactional program: a transactional sequence may only send transactional templates. A
  // review or referral makes a customer an evangelist (stage-rules.ts).
  "post-purchase-review": {
    key: "post-purchase-review",
    name: "Ask buyers for a review or a referral, then suggest what goes with their order",
    category: "marketing",
    trigger: { type: "event", eventType: "order_placed", entryKeyProperty: "orderId" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-after-delivery", type: "wait", duration: "7d" },
      {
        id: "send-review-request",
        type: "send_email",
        template: "post-purchase-review-request",
        data: {
          reviewUrl: "https://example.com/reviews/new",
          referral: { reward: "$15", url: "https://example.com/referrals" },
        },
      },
      { id: "wait-before-cross-sell", type: "wait", duration: "14d" },
      morning("morning-cross-sell"),
      {
        id: "send-cross-sell",
        type: "send_email",
        template: "post-purchase-cross-sell",
        data: {
          shopUrl: "https://example.com/shop",
          recommendations: [
            {
              name: "Care kit",
              summary: "Keeps what you bought like new.",
              price: "$19.00",
              url: "https://example.com/p/care-kit",
              imageUrl: "https://example.com/images/care-kit.jpg",
            },
          ],
        },
      },
    ],
    goals: [],
  },
};
