import { describe, expect, it } from "vitest";
import { loadModelCatalog } from "../../src/manager/model-catalog.js";
import { nextModel, routeWorkOrder } from "../../src/manager/routing.js";
import type { RouteInput } from "../../src/manager/routing.js";

const NOW = new Date("2026-11-20T00:00:00Z");
const model = (id: string, provider: string, price: number | null, extra: Record<string, unknown> = {}) => ({
  id,
  provider,
  aider_model: `${provider}/${id}`,
  input_per_mtok: price,
  output_per_mtok: price === null ? null : price * 5,
  cache_read_per_mtok: null,
  cache_write_per_mtok: null,
  max_output_tokens: 4000,
  context_tokens: 50000,
  ...extra,
});

const catalog = loadModelCatalog(
  {
    as_of: "2026-11-17",
    models: [
      model("a-small", "anthropic", 0.1),
      model("o-small", "openai", 0.1),
      model("a-mid", "anthropic", 2),
      model("o-old", "openai", 1, { retires_on: "2026-11-01" }),
      model("a-top", "anthropic", 4),
      model("mystery", "anthropic", null),
    ],
    routing: [
      { max_complexity: 0.3, model: "a-small" },
      { max_complexity: 0.65, model: "a-mid" },
      { max_complexity: 1, model: "a-top" },
    ],
    escalation: ["a-small", "o-small", "a-mid", "o-old", "a-top"],
  },
  { now: NOW },
);

const route = (over: Partial<RouteInput> = {}) =>
  routeWorkOrder({ complexity: 0.1, hardStop: [], budgetTier: "normal", catalog, now: NOW, ...over });

describe("routeWorkOrder", () => {
  it.each([
    [0, "a-small"],
    [0.3, "a-small"],
    [0.31, "a-mid"],
    [0.65, "a-mid"],
    [0.9, "a-top"],
    [1, "a-top"],
  ])("routes complexity %s to %s by band", (complexity, expected) => {
    const decision = route({ complexity });
    expect(decision.model?.id).toBe(expected);
    expect(decision.requiresApproval).toBe(false);
    expect(decision.reason).toContain(`complexity ${complexity} is in the band`);
  });

  it("forces the strongest model and approval on a hard stop, even on the soft tier", () => {
    const decision = route({ hardStop: ["password"], budgetTier: "soft" });
    expect(decision.model?.id).toBe("a-top");
    expect(decision.requiresApproval).toBe(true);
    expect(decision.reason).toMatch(/hard-stop keywords \(password\) force the strongest model/);
    expect(decision.reason).toContain("soft budget limit reached");
  });

  it("does not ask again once a maintainer approved", () => {
    const decision = route({ hardStop: ["password"], budgetTier: "hard", maintainerApproved: true });
    expect(decision.requiresApproval).toBe(false);
    expect(decision.reason).toContain("approved by a maintainer");
  });

  it("downgrades to the cheapest suitable model on the soft tier, with a warning", () => {
    const decision = route({ complexity: 0.9, budgetTier: "soft", excludeModels: ["a-small"] });
    expect(decision.model?.id).toBe("o-small");
    expect(decision.reason).toMatch(/soft budget limit reached: warning, downgraded/);
    expect(decision.reason).toContain("a-small (already tried)");
    expect(decision.requiresApproval).toBe(false);
  });

  it("keeps the band's model on the hard tier but requires approval", () => {
    const decision = route({ complexity: 0.5, budgetTier: "hard" });
    expect(decision.model?.id).toBe("a-mid");
    expect(decision.requiresApproval).toBe(true);
    expect(decision.reason).toContain("hard budget limit reached: needs /moose approve");
  });

  it("refuses everything on the emergency tier", () => {
    const decision = route({ budgetTier: "emergency", requestedModel: "a-top" });
    expect(decision.model).toBeNull();
    expect("refused" in decision && decision.refused).toMatch(/emergency budget limit reached/);
  });

  it("refuses a model with an unknown price instead of counting it as free", () => {
    const decision = route({ requestedModel: "mystery" });
    expect(decision.model).toBeNull();
    expect("refused" in decision && decision.refused).toBe("unknown price for model mystery: set its prices in MOOSE_MODELS_FILE");
  });

  it("refuses a band that routes to an unpriced model", () => {
    const unpriced = loadModelCatalog(
      { ...catalog, routing: [{ max_complexity: 1, model: "mystery" }], escalation: ["mystery", "a-top"] },
      { now: NOW },
    );
    const decision = routeWorkOrder({ complexity: 0.5, hardStop: [], budgetTier: "normal", catalog: unpriced, now: NOW });
    expect("refused" in decision && decision.refused).toBe("unknown price for model mystery: set its prices in MOOSE_MODELS_FILE");
  });

  it("moves up the escalation order when the band's provider is not configured", () => {
    const decision = route({ complexity: 0.1, availableProviders: ["openai"] });
    expect(decision.model?.id).toBe("o-small");
    expect(decision.reason).toContain("a-small (provider anthropic not configured)");
  });

  it("skips retired models and falls back downwards when nothing above is usable", () => {
    const decision = route({ complexity: 0.9, availableProviders: ["openai"] });
    expect(decision.model?.id).toBe("o-small");
    expect(decision.reason).toContain("o-old (retired)");
  });

  it("refuses when no model is usable at all", () => {
    const decision = route({ availableProviders: ["openai-compatible"] });
    expect("refused" in decision && decision.refused).toMatch(/^no usable model/);
  });

  it("honours a maintainer's requested model but not a retired or unknown one", () => {
    expect(route({ requestedModel: "a-mid" }).model?.id).toBe("a-mid");
    expect(route({ requestedModel: "o-old" })).toMatchObject({ model: null, refused: "requested model o-old is retired" });
    expect(route({ requestedModel: "ghost" })).toMatchObject({ model: null, refused: "requested model ghost is not in the model catalogue" });
  });
});

describe("nextModel", () => {
  it("walks up the escalation order past tried, retired and unpriced models", () => {
    expect(nextModel(catalog, "a-small", [], { now: NOW })?.id).toBe("o-small");
    expect(nextModel(catalog, "o-small", ["a-small"], { now: NOW })?.id).toBe("a-mid");
    expect(nextModel(catalog, "a-mid", [], { now: NOW })?.id).toBe("a-top");
    expect(nextModel(catalog, "a-top", [], { now: NOW })).toBeNull();
    expect(nextModel(catalog, "a-small", ["o-small", "a-mid"], { now: NOW })?.id).toBe("a-top");
  });

  it("skips providers that are not configured", () => {
    expect(nextModel(catalog, "a-small", [], { now: NOW, availableProviders: ["anthropic"] })?.id).toBe("a-mid");
  });
});
