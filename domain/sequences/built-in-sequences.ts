// The programs Nurtureflow ships with (DESIGN.md §2), seeded on first start as version 1 of each.
// Marketers replace them by publishing new versions through the API; the content links below are
// placeholders (example.com) meant to be replaced that way.
import type { SequenceDefinition } from "./sequence-schema.ts";

export const BUILT_IN_SEQUENCES: Readonly<Record<string, SequenceDefinition>> = {
  welcome: {
    key: "welcome",
    name: "Welcome new leads",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "never" } },
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
    ],
    goals: [{ type: "stage_reached", stage: "mql" }],
  },
  "nurture-mql": {
    key: "nurture-mql",
    name: "Nurture MQLs with guides and webinars",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "mql" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-before-guide", type: "wait", duration: "1d" },
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
    ],
    goals: [{ type: "stage_reached", stage: "sql" }],
  },
  "nurture-opportunity": {
    key: "nurture-opportunity",
    name: "Support open opportunities with case studies",
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
    ],
    goals: [{ type: "stage_reached", stage: "customer" }],
  },
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
          ],
          stayUrl: "https://example.com/preferences",
        },
      },
      { id: "wait-for-response", type: "wait", duration: "14d" },
    ],
    goals: [
      { type: "event", eventType: "email_clicked" },
      { type: "event", eventType: "order_placed" },
    ],
  },
  "post-purchase": {
    key: "post-purchase",
    name: "Thank buyers for their order",
    category: "transactional",
    trigger: { type: "event", eventType: "order_placed", entryKeyProperty: "orderId" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [{ id: "send-thanks", type: "send_email", template: "post-purchase-thanks" }],
    goals: [],
  },
  // Asking for a review is marketing (consent, unsubscribe), so it is not part of the transactional
  // thank-you: a transactional sequence may only send transactional templates.
  "post-purchase-review": {
    key: "post-purchase-review",
    name: "Ask buyers for a review",
    category: "marketing",
    trigger: { type: "event", eventType: "order_placed", entryKeyProperty: "orderId" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-for-delivery", type: "wait", duration: "7d" },
      {
        id: "send-review-request",
        type: "send_email",
        template: "post-purchase-review-request",
        data: { referral: { reward: "$15", url: "https://example.com/referrals" } },
      },
    ],
    goals: [{ type: "event", eventType: "review_posted" }],
  },
};
