// End-to-end runs of the action's entry point (action/src/main.ts) against a real repository, a bare origin and the fake aider.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "./sandbox.js";
import { TOKEN, WORK_ORDER_ID, createSandbox, exitedWithin, git, originRefs, readState, runAction } from "./sandbox.js";

const WORK_REF = `refs/heads/moose-work/wo-${WORK_ORDER_ID}-a1`;
let sandbox: Sandbox;

afterEach(() => sandbox?.cleanup());

function resultBlock(summary: string): Record<string, unknown> {
  const match = /<!-- moose-result\n(.*)\n-->/.exec(summary);
  expect(match, "summary carries the moose-result block").not.toBeNull();
  return JSON.parse(match?.[1] ?? "{}") as Record<string, unknown>;
}

/** Only main exists on origin: nothing was pushed. */
function expectNothingPushed(s: Sandbox, mainBefore: string) {
  expect(originRefs(s)).toEqual({ "refs/heads/main": mainBefore });
}

describe("runner action entry point", () => {
  it("pushes a normal edit to the work ref with trailers, outputs and cost", async () => {
    sandbox = createSandbox();
    const run = await runAction(sandbox, { scenario: "edit" });

    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe("success");
    expect(run.outputs["work-ref"]).toBe(WORK_REF);
    expect(JSON.parse(run.outputs["changed-files"] ?? "")).toEqual(["src/app.ts"]);
    expect(run.outputs["aider-cost-usd"]).toBe("0.0152");
    const refs = originRefs(sandbox);
    expect(refs[WORK_REF]).toBe(run.outputs.commit);
    expect(Object.keys(refs).sort()).toEqual(["refs/heads/main", WORK_REF]);

    const message = git(sandbox.origin, "log", "-1", "--format=%B", WORK_REF);
    expect(message).toContain("feat: Apply requested change");
    expect(message).toContain("Co-authored-by: aider (anthropic/claude-sonnet-4-5) <aider@aider.chat>");
    expect(git(sandbox.origin, "log", "-1", "--format=%(trailers:key=Moose-Work-Order,valueonly)", WORK_REF)).toBe(WORK_ORDER_ID);
    expect(git(sandbox.origin, "log", "-1", "--format=%(trailers:key=Moose-Attempt,valueonly)", WORK_REF)).toBe("1");
    expect(git(sandbox.origin, "log", "-1", "--format=%an", WORK_REF)).not.toBe("Your Name");

    const block = resultBlock(run.summary);
    expect(block).toMatchObject({ result: "success", commit: run.outputs.commit, aiderCostUsd: 0.0152, changedFiles: ["src/app.ts"] });
    expect(run.stdout).toMatch(/^::notice title=moose-result::\{.*"result":"success"/m);
    expect(run.stdout).toMatch(/^moose-result: \{.*"result":"success"/m);

    // The instruction and Aider's histories live under RUNNER_TEMP, never in the repository, and are removed afterwards.
    const argv = JSON.parse(readState(sandbox, "argv.json") ?? "[]") as string[];
    const messageFile = argv[argv.indexOf("--message-file") + 1] ?? "";
    expect(messageFile.startsWith(sandbox.runnerTemp)).toBe(true);
    expect(argv[argv.indexOf("--chat-history-file") + 1]?.startsWith(sandbox.runnerTemp)).toBe(true);
    expect(argv).toEqual(expect.arrayContaining(["--yes-always", "--no-check-update", "--no-analytics", "--no-auto-test"]));
    expect(git(sandbox.work, "status", "--porcelain", "--ignored")).toBe("");
  });

  it("keeps the job token out of Aider's environment and the log", async () => {
    sandbox = createSandbox();
    const run = await runAction(sandbox, { scenario: "edit" });
    const env = JSON.parse(readState(sandbox, "env.json") ?? "{}") as Record<string, string>;

    expect(Object.keys(env).filter((k) => /GITHUB|INPUT_|ACTIONS_/.test(k))).toEqual([]);
    expect(JSON.stringify(env)).not.toContain(TOKEN);
    expect(env.ANTHROPIC_API_KEY).toBe("sk-ant-test-key");
    expect(run.stdout.replace(`::add-mask::${TOKEN}`, "")).not.toContain(TOKEN);
    expect(git(sandbox.work, "config", "--list", "--local")).not.toContain(TOKEN);
  });

  it("reports no-change and pushes nothing when Aider changes nothing", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { scenario: "none" });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe("no-change");
    expect(run.outputs.commit).toBe("");
    expect(run.outputs["aider-cost-usd"]).toBe("0.0038");
    expect(run.stdout).toMatch(/^::error::Moose: no-change: /m);
    expectNothingPushed(sandbox, main);
  });

  it("fails an API error even though Aider exits 0, with unknown cost", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { scenario: "api-error" });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toContain("LLM API error (AuthenticationError)");
    expect(run.outputs.reason).toContain("rejected the API key");
    expect(run.outputs["aider-cost-usd"]).toBe("");
    expect(resultBlock(run.summary).aiderCostUsd).toBeNull();
    expectNothingPushed(sandbox, main);
  });

  it("kills a hanging Aider and its child at the timeout", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { scenario: "hang", inputs: { "timeout-minutes": "0.05" } });

    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toMatch(/did not finish within 0.05 minutes/);
    expect(run.durationMs).toBeLessThan(20_000);
    const aiderPid = Number(readState(sandbox, "aider.pid"));
    const childPid = Number(readState(sandbox, "child.pid"));
    expect(aiderPid).toBeGreaterThan(0);
    expect(childPid).toBeGreaterThan(0);
    expect(await exitedWithin(aiderPid, 1_000)).toBe(true);
    expect(await exitedWithin(childPid, 1_000)).toBe(true);
    expectNothingPushed(sandbox, main);
  });

  it("takes Aider's process group down with it when the job is cancelled", async () => {
    sandbox = createSandbox();
    const s = sandbox;
    const main = git(s.origin, "rev-parse", "main");
    const cancelWhenAiderRuns = (pid: number) => {
      const poll = setInterval(() => {
        // aider.pid is written after child.pid, so both exist once it does.
        if (!readState(s, "aider.pid")) return;
        clearInterval(poll);
        process.kill(pid, "SIGTERM");
      }, 50);
    };
    const run = await runAction(s, { scenario: "hang", inputs: { "timeout-minutes": "5" }, onStart: cancelWhenAiderRuns });

    expect(run.code).toBe(143);
    expect(Number(readState(s, "child.pid"))).toBeGreaterThan(0);
    expect(run.durationMs).toBeLessThan(20_000);
    expect(await exitedWithin(Number(readState(s, "aider.pid")), 1_000)).toBe(true);
    expect(await exitedWithin(Number(readState(s, "child.pid")), 1_000)).toBe(true);
    expectNothingPushed(s, main);
  });

  it("refuses an edit under .github/workflows/, reverts it and lists it", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { scenario: "workflow-edit" });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toContain(".github/workflows/ci.yml (under .github/)");
    expect(resultBlock(run.summary).refusedFiles).toEqual([".github/workflows/ci.yml"]);
    expectNothingPushed(sandbox, main);
    expect(git(sandbox.work, "rev-parse", "HEAD")).toBe(main);
    expect(readFileSync(`${sandbox.work}/.github/workflows/ci.yml`, "utf8")).toBe("on: push\njobs: {}\n");
  });

  it("refuses an edit outside the files in scope", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { scenario: "outside-edit" });

    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toContain("notes/outside.txt (outside the files in scope)");
    expectNothingPushed(sandbox, main);
  });

  it("turns a hostile title into a safe branch and never runs it", async () => {
    sandbox = createSandbox();
    // The marker must not exist beforehand (a previous run that was fooled would make this pass for nothing),
    // and is removed afterwards so a failure here does not poison the next run.
    rmSync("/tmp/pwned-moose", { force: true });
    const title = "Fix `rm -rf ~` $(touch /tmp/pwned-moose) \"quoted\" 'single'\nnew line ::error::x Ünïcødé 🚀";
    let run: Awaited<ReturnType<typeof runAction>>;
    try {
      run = await runAction(sandbox, {
        scenario: "edit",
        inputs: { branch: "", title, instruction: "Line one\n::set-output name=result::success\n$(touch pwned)\n" },
      });
      expect(existsSync("/tmp/pwned-moose")).toBe(false);
    } finally {
      rmSync("/tmp/pwned-moose", { force: true });
    }

    expect(run.outputs.result).toBe("success");
    const branch = resultBlock(run.summary).branch as string;
    expect(branch).toMatch(/^feature\/wo-1234abcd-[a-z0-9-]+$/);
    expect(branch).toBe("feature/wo-1234abcd-fix-rm-rf-touch-tmp-pwned-moose-quoted-s");
    expect(git(sandbox.work, "symbolic-ref", "--short", "HEAD")).toBe(branch);
    expect(existsSync(`${sandbox.work}/pwned`)).toBe(false);
    // Aider's echo of the instruction cannot issue workflow commands or forge the result line.
    expect(run.stdout).not.toMatch(/^::set-output/m);
    expect(run.stdout).toMatch(/^aider\| ::set-output name=result::success$/m);
    expect(run.stdout).toMatch(/^::stop-commands::[0-9a-f-]{36}$/m);
  });

  it("rejects a hostile branch input before touching git", async () => {
    sandbox = createSandbox();
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { inputs: { branch: 'feature/wo-1234abcd-x";echo${IFS}hi;#' } });

    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toMatch(/^invalid inputs: branch: /);
    expect(readState(sandbox, "argv.json")).toBeUndefined();
    expectNothingPushed(sandbox, main);
  });

  it("fails with the install command when Aider is missing", async () => {
    sandbox = createSandbox({ withAider: false });
    const main = git(sandbox.origin, "rev-parse", "main");
    const run = await runAction(sandbox, { aiderOnPath: false });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe("failed");
    expect(run.outputs.reason).toContain("pipx install aider-chat==0.86.2");
    expectNothingPushed(sandbox, main);
  });

  it("continues the existing PR branch on a later attempt and accepts a gz64 instruction", async () => {
    sandbox = createSandbox();
    const first = await runAction(sandbox, { scenario: "edit" });
    expect(first.outputs.result).toBe("success");
    // The app published attempt 1 to the PR branch.
    git(sandbox.origin, "update-ref", "refs/heads/feature/wo-1234abcd-add-greeting", first.outputs.commit ?? "");
    git(sandbox.work, "fetch", "--quiet", "origin");

    const instruction = `gz64:${gzipSync(Buffer.from("Now also export a farewell. ✓")).toString("base64")}`;
    const second = await runAction(sandbox, { scenario: "edit", inputs: { attempt: "2", instruction } });

    expect(second.outputs.result).toBe("success");
    const secondRef = `refs/heads/moose-work/wo-${WORK_ORDER_ID}-a2`;
    expect(second.outputs["work-ref"]).toBe(secondRef);
    expect(git(sandbox.origin, "rev-parse", `${secondRef}~1`)).toBe(first.outputs.commit);
    expect(second.stdout).toContain("aider| Now also export a farewell. ✓");
  });
});
