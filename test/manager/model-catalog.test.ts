import { describe, expect, it } from "vitest";
import { findModel, isRetired, loadModelCatalog, ModelCatalogError } from "../../src/manager/model-catalog.js";

const model = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider: "anthropic",
  aider_model: `anthropic/${id}`,
  input_per_mtok: 1,
  output_per_mtok: 5,
  cache_read_per_mtok: 0.1,
  cache_write_per_mtok: 1.25,
  max_output_tokens: 4000,
  context_tokens: 50000,
  ...extra,
});

const catalog = (overrides: Record<string, unknown> = {}) => ({
  as_of: "2026-11-17",
  models: [model("cheap"), model("strong", { input_per_mtok: 4, output_per_mtok: 20 })],
  routing: [
    { max_complexity: 0.5, model: "cheap" },
    { max_complexity: 1, model: "strong" },
  ],
  escalation: ["cheap", "strong"],
  ...overrides,
});

function problemsOf(raw: unknown, now?: Date): string[] {
  try {
    loadModelCatalog(raw, now ? { now } : {});
  } catch (err) {
    expect(err).toBeInstanceOf(ModelCatalogError);
    return [...(err as ModelCatalogError).problems];
  }
  throw new Error("expected the catalogue to be rejected");
}

describe("loadModelCatalog", () => {
  it("loads the bundled models.json, dated, with every routed model priced and current", () => {
    const bundled = loadModelCatalog(undefined, { now: new Date("2026-11-20T00:00:00Z") });
    expect(bundled.as_of).toMatch(/^2026-11-\d\d$/);
    for (const band of bundled.routing) {
      const m = findModel(bundled, band.model);
      expect(m?.input_per_mtok).not.toBeNull();
      expect(m && isRetired(m, new Date("2026-11-20T00:00:00Z"))).toBe(false);
    }
    expect(findModel(bundled, "claude-sonnet-5-5")).toMatchObject({ input_per_mtok: 2, output_per_mtok: 10, cache_read_per_mtok: 0.1 });
    expect(findModel(bundled, "claude-mythos-5-2")?.input_per_mtok).toBeNull();
  });

  it("accepts an operator's file and fills defaults", () => {
    const loaded = loadModelCatalog(catalog());
    expect(loaded.models[0]).toMatchObject({ id: "cheap", retired: false, cache_write_long_per_mtok: null });
  });

  it("names the path and the problem of a malformed entry", () => {
    const problems = problemsOf(catalog({ models: [model("cheap", { input_per_mtok: "1" }), model("strong", { provider: "google" })] }));
    expect(problems.some((p) => p.startsWith("models[0].input_per_mtok:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("models[1].provider:"))).toBe(true);
  });

  it("rejects a band that names an unknown model", () => {
    expect(problemsOf(catalog({ routing: [{ max_complexity: 1, model: "ghost" }] }))).toContain(
      'routing[0].model: unknown model "ghost" (not in models)',
    );
  });

  it("rejects bands that do not ascend or do not end at 1", () => {
    const problems = problemsOf(
      catalog({
        routing: [
          { max_complexity: 0.6, model: "cheap" },
          { max_complexity: 0.4, model: "strong" },
        ],
      }),
    );
    expect(problems).toContain("routing[1].max_complexity: bands must ascend (0.4 is not above 0.6)");
    expect(problems).toContain("routing[1].max_complexity: the last band must end at 1, got 0.4");
  });

  it("rejects a catalogue whose routed models are all retired, by flag or by date", () => {
    const flagged = catalog({ models: [model("cheap", { retired: true }), model("strong", { retired: true })] });
    expect(problemsOf(flagged).join("\n")).toMatch(/every routed model is retired \(cheap, strong\)/);
    const dated = catalog({ models: [model("cheap", { retires_on: "2026-12-01" }), model("strong", { retires_on: "2026-12-01" })] });
    expect(() => loadModelCatalog(dated, { now: new Date("2026-11-30T23:00:00Z") })).not.toThrow();
    expect(problemsOf(dated, new Date("2026-12-01T00:00:00Z")).join("\n")).toMatch(/every routed model is retired/);
  });

  it("rejects escalation entries that are unknown or repeated, and routed models missing from it", () => {
    const problems = problemsOf(catalog({ escalation: ["cheap", "cheap", "ghost"] }));
    expect(problems).toContain('escalation[1]: "cheap" is listed twice');
    expect(problems).toContain('escalation[2]: unknown model "ghost" (not in models)');
    expect(problems).toContain('routing[1].model: "strong" must also appear in escalation so retries can move past it');
  });

  it("rejects duplicate model ids", () => {
    expect(problemsOf(catalog({ models: [model("cheap"), model("strong"), model("cheap")] }))).toContain(
      'models[2].id: duplicate model id "cheap"',
    );
  });
});
