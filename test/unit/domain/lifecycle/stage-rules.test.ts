import { describe, expect, it } from "vitest";
import type { ContactEvent } from "../../../../domain/events/event-types.ts";
import {
  DEAL_OPENED_EVENT,
  DEFAULT_STAGE_RULES,
  defaultStageRules,
  planStageChange,
  type StageRule,
  stageMoveForEvent,
  stageMoveForScore,
} from "../../../../domain/lifecycle/stage-rules.ts";
import { LIFECYCLE_STAGES, type LifecycleStage } from "../../../../domain/lifecycle/stages.ts";

function event(type: string): ContactEvent {
  return { type, occurredAt: new Date("2025-03-01T10:00:00Z"), properties: {} };
}

function moveOf(current: LifecycleStage, type: string, rules: readonly StageRule[] = DEFAULT_STAGE_RULES) {
  return stageMoveForEvent(current, event(type), rules);
}

describe("default stage rules", () => {
  it.each(["form_submitted", "content_downloaded"])("%s makes a subscriber a lead", (type) => {
    expect(moveOf("subscriber", type)).toEqual({ to: "lead", reason: `event ${type}` });
  });

  it.each(["form_submitted", "content_downloaded"])("%s does not move a lead or anyone beyond", (type) => {
    for (const stage of ["lead", "mql", "sql", "opportunity", "customer", "evangelist"] as const) {
      expect(moveOf(stage, type)).toBeNull();
    }
  });

  it("an opened deal makes an opportunity from any earlier stage", () => {
    for (const stage of ["subscriber", "lead", "mql", "sql"] as const) {
      expect(moveOf(stage, DEAL_OPENED_EVENT)?.to).toBe("opportunity");
    }
    expect(DEAL_OPENED_EVENT).toBe("custom.deal_opened");
  });

  it("an opened deal never demotes a customer or an evangelist", () => {
    expect(moveOf("opportunity", DEAL_OPENED_EVENT)).toBeNull();
    expect(moveOf("customer", DEAL_OPENED_EVENT)).toBeNull();
    expect(moveOf("evangelist", DEAL_OPENED_EVENT)).toBeNull();
  });

  it("the deal event type is configurable", () => {
    const rules = defaultStageRules("custom.crm.deal_created");
    expect(moveOf("sql", "custom.crm.deal_created", rules)).toEqual({
      to: "opportunity",
      reason: "event custom.crm.deal_created",
    });
    expect(moveOf("sql", DEAL_OPENED_EVENT, rules)).toBeNull();
  });

  it("an order makes a customer from every stage before customer", () => {
    for (const stage of ["subscriber", "lead", "mql", "sql", "opportunity"] as const) {
      expect(moveOf(stage, "order_placed")).toEqual({ to: "customer", reason: "event order_placed" });
    }
  });

  it("an order never demotes an evangelist", () => {
    expect(moveOf("customer", "order_placed")).toBeNull();
    expect(moveOf("evangelist", "order_placed")).toBeNull();
  });

  it.each(["review_posted", "referral_made"])("%s makes a customer an evangelist", (type) => {
    expect(moveOf("customer", type)).toEqual({ to: "evangelist", reason: `event ${type}` });
  });

  it.each(["review_posted", "referral_made"])("%s does not make a prospect an evangelist", (type) => {
    for (const stage of ["subscriber", "lead", "mql", "sql", "opportunity"] as const) {
      expect(moveOf(stage, type)).toBeNull();
    }
    expect(moveOf("evangelist", type)).toBeNull();
  });

  it("no event reaches mql or sql: score and sales acceptance do", () => {
    expect(DEFAULT_STAGE_RULES.map((rule) => rule.to)).not.toContain("mql");
    expect(DEFAULT_STAGE_RULES.map((rule) => rule.to)).not.toContain("sql");
  });

  it("events without a rule move nobody", () => {
    for (const type of ["page_view", "email_clicked", "cart_abandoned", "support_request", "custom.other"]) {
      for (const stage of LIFECYCLE_STAGES) expect(moveOf(stage, type)).toBeNull();
    }
  });
});

describe("stageMoveForEvent with configured rules", () => {
  it("applies a backward rule only when forwardOnly is false", () => {
    const lost: StageRule = {
      on: "custom.deal_lost",
      to: "sql",
      onlyFrom: ["opportunity"],
      forwardOnly: false,
    };
    expect(moveOf("opportunity", "custom.deal_lost", [lost])).toEqual({
      to: "sql",
      reason: "event custom.deal_lost",
    });
    expect(moveOf("customer", "custom.deal_lost", [lost])).toBeNull();
    expect(moveOf("opportunity", "custom.deal_lost", [{ ...lost, forwardOnly: true }])).toBeNull();
  });

  it("takes the first applicable rule, skipping rules that do not apply", () => {
    const rules: StageRule[] = [
      { on: "custom.signal", to: "lead", onlyFrom: ["subscriber"], forwardOnly: true },
      { on: "custom.signal", to: "customer", forwardOnly: true },
      { on: "custom.signal", to: "evangelist", forwardOnly: true },
      { on: "custom.signal", to: "evangelist", onlyFrom: ["customer"], forwardOnly: true },
    ];
    expect(moveOf("subscriber", "custom.signal", rules)?.to).toBe("lead");
    expect(moveOf("lead", "custom.signal", rules)?.to).toBe("customer");
    expect(moveOf("customer", "custom.signal", rules)?.to).toBe("evangelist");
  });

  it("returns null when no rules are configured", () => {
    expect(moveOf("subscriber", "order_placed", [])).toBeNull();
  });
});

describe("stageMoveForScore", () => {
  it("promotes a subscriber or a lead at or above the threshold", () => {
    expect(stageMoveForScore("lead", 50, 50)).toEqual({
      to: "mql",
      reason: "score 50 reached MQL threshold 50",
    });
    expect(stageMoveForScore("subscriber", 72.5, 50)?.to).toBe("mql");
  });

  it("does not promote below the threshold", () => {
    expect(stageMoveForScore("lead", 49.99, 50)).toBeNull();
    expect(stageMoveForScore("subscriber", 0, 50)).toBeNull();
  });

  it("never moves a contact already qualified or beyond", () => {
    for (const stage of ["mql", "sql", "opportunity", "customer", "evangelist"] as const) {
      expect(stageMoveForScore(stage, 1000, 50)).toBeNull();
    }
  });
});

describe("planStageChange", () => {
  it("returns null when the stage does not change", () => {
    expect(planStageChange("mql", "sql", "mql")).toBeNull();
  });

  it("plans a forward move and raises the highest stage", () => {
    expect(planStageChange("lead", "lead", "mql")).toEqual({
      from: "lead",
      to: "mql",
      direction: "forward",
      newHighest: "mql",
    });
  });

  it("plans a backward move and keeps the highest stage reached", () => {
    expect(planStageChange("sql", "sql", "lead")).toEqual({
      from: "sql",
      to: "lead",
      direction: "backward",
      newHighest: "sql",
    });
  });

  it("keeps a highest stage above both ends of a forward move", () => {
    expect(planStageChange("lead", "opportunity", "mql")).toEqual({
      from: "lead",
      to: "mql",
      direction: "forward",
      newHighest: "opportunity",
    });
  });

  it("never reports a highest stage below the current one", () => {
    expect(planStageChange("customer", "lead", "mql")?.newHighest).toBe("customer");
  });

  it("allows a round trip back and forth without losing the highest stage", () => {
    const down = planStageChange("customer", "customer", "subscriber");
    expect(down?.newHighest).toBe("customer");
    const up = planStageChange("subscriber", down?.newHighest ?? "subscriber", "lead");
    expect(up).toEqual({ from: "subscriber", to: "lead", direction: "forward", newHighest: "customer" });
  });
});
