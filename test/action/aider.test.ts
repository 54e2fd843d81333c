// How Aider is started: flags, a scrubbed environment, and the process-group timeout.
import { describe, expect, it } from "vitest";
import { aiderArgs, aiderEnv, runAider } from "../../action/src/aider.js";

describe("aiderArgs", () => {
  it("puts the files after -- so a path can never read as a flag", () => {
    const args = aiderArgs({ model: "gpt-4o-mini", messageFile: "/t/m", chatHistoryFile: "/t/c", inputHistoryFile: "/t/i", files: ["a.ts"] });
    expect(args.slice(-2)).toEqual(["--", "a.ts"]);
    expect(args).toEqual(expect.arrayContaining(["--yes-always", "--no-check-update", "--no-suggest-shell-commands", "--no-auto-test"]));
  });
});

describe("aiderEnv", () => {
  it("passes provider keys and locale, never tokens or runner variables", () => {
    const env = aiderEnv(
      {
        PATH: "/bin",
        ANTHROPIC_API_KEY: "sk-ant",
        OPENAI_API_BASE: "http://llm",
        GITHUB_TOKEN: "ghs_x",
        "INPUT_GITHUB-TOKEN": "ghs_x",
        ACTIONS_RUNTIME_TOKEN: "rt",
        GH_TOKEN: "ghp",
        HF_TOKEN: "hf",
        SOME_VAR: "has ghs_x inside",
        MOOSE_AIDER_PASS_ENV: "SOME_VAR,GITHUB_TOKEN,EXTRA",
        EXTRA: "fine",
        SECRET_STUFF: "y",
      },
      ["ghs_x"],
    );
    expect(env).toMatchObject({ PATH: "/bin", ANTHROPIC_API_KEY: "sk-ant", OPENAI_API_BASE: "http://llm", EXTRA: "fine", COLUMNS: "1000" });
    for (const name of ["GITHUB_TOKEN", "INPUT_GITHUB-TOKEN", "ACTIONS_RUNTIME_TOKEN", "GH_TOKEN", "HF_TOKEN", "SOME_VAR", "SECRET_STUFF"]) {
      expect(env).not.toHaveProperty(name);
    }
  });
});

describe("runAider", () => {
  it("reports a missing command instead of throwing", async () => {
    const run = await runAider({ command: "moose-no-such-aider", args: [], cwd: process.cwd(), env: { PATH: "/nonexistent" }, timeoutMs: 1_000 });
    expect(run.missing).toBe(true);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const script = "process.on('SIGTERM', () => {}); console.log('started'); setInterval(() => {}, 1000)";
    const run = await runAider({
      command: process.execPath,
      args: ["-e", script],
      cwd: process.cwd(),
      env: {},
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(run).toMatchObject({ timedOut: true, exitCode: null, signal: "SIGKILL" });
    expect(run.output).toContain("started");
  });
});
