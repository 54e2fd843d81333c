// Parsing the runner's `moose-result` annotation: the documented shape only; anything else is "no result".
import { describe, expect, it } from "vitest";
import { parseRunnerResult } from "../../src/publisher/runner-result.js";
import { runnerResult } from "../helpers/loop-github.js";

const id = "3f2a1b4c-0000-4000-8000-000000000001";

describe("parseRunnerResult", () => {
  it("reads the action's report, extra fields allowed", () => {
    const report = { ...runnerResult(id, 2), durationMs: 1234 };
    expect(parseRunnerResult(JSON.stringify(report))).toMatchObject({ result: "success", attempt: 2, workOrderId: id, aiderCostUsd: 0.0123, durationMs: 1234 });
  });

  it("keeps an unknown Aider cost as null rather than zero", () => {
    expect(parseRunnerResult(JSON.stringify(runnerResult(id, 1, { aiderCostUsd: null })))?.aiderCostUsd).toBeNull();
  });

  it("returns null for malformed JSON, another version, an unknown result or a negative cost", () => {
    expect(parseRunnerResult("{not json")).toBeNull();
    expect(parseRunnerResult(JSON.stringify({ ...runnerResult(id, 1), version: 2 }))).toBeNull();
    expect(parseRunnerResult(JSON.stringify({ ...runnerResult(id, 1), result: "merged" }))).toBeNull();
    expect(parseRunnerResult(JSON.stringify(runnerResult(id, 1, { aiderCostUsd: -1 })))).toBeNull();
    expect(parseRunnerResult(JSON.stringify({ result: "success" }))).toBeNull();
  });

  it("cleans the reason, which may quote paths an LLM chose", () => {
    const reason = `changed \u202Egnp.exe\u202C ${"x".repeat(1_000)}`;
    const parsed = parseRunnerResult(JSON.stringify(runnerResult(id, 1, { result: "failed", reason })));
    expect(parsed!.reason).not.toContain("\u202E");
    expect(parsed!.reason.length).toBeLessThanOrEqual(301);
  });
});
