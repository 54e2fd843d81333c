import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  DEFAULT_HARD_STOP_KEYWORDS,
  DEFAULT_REPO_CONFIG,
  findHardStopKeywords,
  parseRepoConfig,
  type RepoConfig,
} from "../../src/config/repo-config.js";

const SOURCE = "octo/repo:.github/moose.yml";

function configOf(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw, SOURCE);
  if (!result.ok) throw new Error(`expected a valid configuration, got:\n${result.error}`);
  return result.config;
}

function errorOf(raw: unknown): string {
  const result = parseRepoConfig(raw, SOURCE);
  if (result.ok) throw new Error("expected an invalid configuration");
  return result.error;
}

describe("parseRepoConfig", () => {
  it("gives the defaults for an absent file (null or undefined) and an empty one", () => {
    const expected = {
      trigger_label: "moose",
      approval: { low: "auto", medium: "auto", high: "manual" },
      hard_stop_keywords: [...DEFAULT_HARD_STOP_KEYWORDS],
      workflow: "moose.yml",
      pull_request: { draft: false, reviewers_from_approver: true },
      auto_fix: { enabled: false, max_attempts: 2 },
      sentinel: { settle_seconds: 60, timeout_minutes: 60 },
      limits: { max_changed_files: 50, max_diff_lines: 2000 },
    };
    expect(DEFAULT_REPO_CONFIG).toEqual(expected);
    expect(configOf(null)).toEqual(expected);
    expect(configOf(undefined)).toEqual(expected);
    expect(configOf({})).toEqual(expected);
  });

  it("fills unset keys of a partial file from the defaults, and treats an emptied section as defaults", () => {
    const config = configOf({ approval: { medium: "manual" }, limits: null, auto_fix: { enabled: true } });
    expect(config.approval).toEqual({ low: "auto", medium: "manual", high: "manual" });
    expect(config.limits).toEqual(DEFAULT_REPO_CONFIG.limits);
    expect(config.auto_fix).toEqual({ enabled: true, max_attempts: 2 });
    expect(config.trigger_label).toBe("moose");
  });

  it("replaces the keyword list rather than merging it, and accepts an empty list", () => {
    expect(configOf({ hard_stop_keywords: ["gdpr"] }).hard_stop_keywords).toEqual(["gdpr"]);
    expect(configOf({ hard_stop_keywords: [] }).hard_stop_keywords).toEqual([]);
  });

  it("hands out defaults that callers cannot corrupt", () => {
    const first = configOf(null);
    first.hard_stop_keywords.push("mutated");
    first.approval.high = "auto";
    expect(configOf(null).hard_stop_keywords).not.toContain("mutated");
    expect(configOf(null).approval.high).toBe("manual");
    expect(Object.isFrozen(DEFAULT_REPO_CONFIG.approval)).toBe(true);
  });

  it("names the source and the failing path with what was expected and what was found", () => {
    expect(errorOf({ approval: { high: "sometimes" } })).toBe(
      '`octo/repo:.github/moose.yml` is not a valid Moose configuration:\n- approval.high: expected "auto" | "manual", got "sometimes"',
    );
  });

  it("rejects unknown keys at every level, listing the known ones (a typo must not silently do nothing)", () => {
    const error = errorOf({ trigger_lable: "bot", approval: { hgih: "auto" } });
    expect(error).toContain(
      "- trigger_lable: unknown setting (known here: trigger_label, approval, hard_stop_keywords, workflow, pull_request, auto_fix, sentinel, limits)",
    );
    expect(error).toContain("- approval.hgih: unknown setting (known here: low, medium, high)");
  });

  it("lists every problem, one line each", () => {
    const error = errorOf({
      trigger_label: "",
      hard_stop_keywords: ["ok", 3],
      workflow: "../../evil.yml",
      pull_request: { draft: "yes" },
      auto_fix: { max_attempts: 3 },
      sentinel: { settle_seconds: 1.5, timeout_minutes: 0 },
      limits: "big",
    });
    expect(error.split("\n").slice(1)).toEqual([
      '- trigger_label: expected at least 1 character, got ""',
      "- hard_stop_keywords[1]: expected a string, got 3",
      '- workflow: expected a workflow file name in .github/workflows, like moose.yml, got "../../evil.yml"',
      '- pull_request.draft: expected a boolean, got "yes"',
      "- auto_fix.max_attempts: expected a number at most 2, got 3",
      "- sentinel.settle_seconds: expected a whole number, got 1.5",
      "- sentinel.timeout_minutes: expected a number at least 1, got 0",
      '- limits: expected a mapping of settings, got "big"',
    ]);
  });

  it.each([
    ["a string", "moose", 'got "moose"'],
    ["a list", ["moose"], "got a list"],
    ["a number", 42, "got 42"],
  ])("rejects a file that is %s instead of a mapping", (_kind, raw, got) => {
    expect(errorOf(raw)).toContain(`- (top level): expected a mapping of settings, ${got}`);
  });

  it("truncates long values in messages", () => {
    const error = errorOf({ workflow: "x".repeat(500) });
    expect(error).not.toContain("x".repeat(100));
    expect(error).toContain("…");
  });
});

describe("action/templates/moose.yml", () => {
  const text = readFileSync(new URL("../../action/templates/moose.yml", import.meta.url), "utf8");

  it("is a valid configuration equal to the defaults", () => {
    expect(configOf(parseYaml(text))).toEqual(DEFAULT_REPO_CONFIG);
  });

  it("shows every key with a comment", () => {
    const lines = text.split("\n");
    const keyLines = lines.filter((line) => /^\s*[a-z_]+:/.test(line));
    const documentedKeys = new Set(keyLines.map((line) => line.trim().split(":")[0]));
    const allKeys = (value: object): string[] =>
      Object.entries(value).flatMap(([key, child]) =>
        child && typeof child === "object" && !Array.isArray(child) ? [key, ...allKeys(child)] : [key],
      );
    for (const key of allKeys(DEFAULT_REPO_CONFIG)) expect(documentedKeys, key).toContain(key);
    // Section headers (pull_request:, approval: …) explain themselves through their children's comments.
    lines.forEach((line, index) => {
      if (/^[a-z_]+: \S/.test(line) || /^ {2}[a-z_]+: \S/.test(line)) {
        const above = lines.slice(Math.max(0, index - 3), index).join("\n");
        const isApprovalEntry = /^ {2}(low|medium|high):/.test(line);
        if (!isApprovalEntry) expect(above, `comment above "${line}"`).toMatch(/#/);
      }
    });
  });
});

describe("findHardStopKeywords", () => {
  it("matches whole words case-insensitively, returning keywords as configured", () => {
    expect(findHardStopKeywords("Rotate the API Key and fix AUTH", ["auth", "api key", "billing"])).toEqual(["auth", "api key"]);
  });

  it("does not match inside longer words", () => {
    expect(findHardStopKeywords("the author fixed a typo in authorship notes", ["auth"])).toEqual([]);
    expect(findHardStopKeywords("pipeline", ["pii"])).toEqual([]);
  });

  it("matches next to punctuation and across line breaks in multi-word keywords", () => {
    expect(findHardStopKeywords("(security): please\ndelete\n  production data", ["security", "delete production"])).toEqual([
      "security",
      "delete production",
    ]);
  });

  it("treats keywords literally, not as patterns", () => {
    expect(findHardStopKeywords("use a.b here", ["a.b", "x+"])).toEqual(["a.b"]);
    expect(findHardStopKeywords("axb", ["a.b"])).toEqual([]);
  });

  it("handles accented letters as letters and deduplicates", () => {
    expect(findHardStopKeywords("sécurité", ["sécurité", "SÉCURITÉ", "curit"])).toEqual(["sécurité"]);
  });

  it("ignores blank keywords", () => {
    expect(findHardStopKeywords("anything", ["", "  "])).toEqual([]);
  });

  it("catches the default list's words in a typical risky issue", () => {
    const text = "Add OAuth login\nStore the client secrets encrypted\nRun the migrations";
    expect(findHardStopKeywords(text, DEFAULT_HARD_STOP_KEYWORDS)).toEqual(["oauth", "migrations", "secrets"]);
  });
});
