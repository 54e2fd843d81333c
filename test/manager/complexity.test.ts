import { describe, expect, it } from "vitest";
import { scoreComplexity } from "../../src/manager/complexity.js";

const wo = (over: Partial<Parameters<typeof scoreComplexity>[0]> = {}) => ({
  acceptanceCriteria: ["README mentions the flag"],
  filesInScope: ["README.md"],
  riskLevel: "low" as const,
  description: "Add a line to the README.",
  ...over,
});

describe("scoreComplexity", () => {
  it("scores a one-file, one-criterion, low-risk change low and explains each part", () => {
    const { score, factors } = scoreComplexity(wo());
    expect(factors).toEqual({ files_in_scope: 0.044, acceptance_criteria: 0.031, risk: 0, description: 0.001 });
    expect(score).toBe(0.076);
  });

  it("reaches exactly 1 when every factor saturates", () => {
    const many = Array.from({ length: 20 }, (_, i) => `item ${i}`);
    const result = scoreComplexity(wo({ acceptanceCriteria: many, filesInScope: many, riskLevel: "high", description: "x".repeat(10_000) }));
    expect(result.score).toBe(1);
    expect(result.factors).toEqual({ files_in_scope: 0.35, acceptance_criteria: 0.25, risk: 0.25, description: 0.15 });
  });

  it("rises with risk, files and criteria", () => {
    const base = scoreComplexity(wo()).score;
    expect(scoreComplexity(wo({ riskLevel: "medium" })).score).toBeCloseTo(base + 0.125, 3);
    expect(scoreComplexity(wo({ filesInScope: ["a", "b", "c", "d"] })).score).toBeGreaterThan(base);
    expect(scoreComplexity(wo({ acceptanceCriteria: ["a", "b", "c"] })).score).toBeGreaterThan(base);
  });

  it("treats an empty scope as half-known rather than trivial", () => {
    expect(scoreComplexity(wo({ filesInScope: [] })).factors.files_in_scope).toBe(0.175);
  });
});
