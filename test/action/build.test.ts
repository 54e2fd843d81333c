// The committed bundle is exactly what action/build.mjs produces, and the bundle itself runs a work order end to end.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "./sandbox.js";
import { BUNDLE_ENTRY, REPO_ROOT, WORK_ORDER_ID, createSandbox, git, originRefs, runAction } from "./sandbox.js";

let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

describe("action bundle", () => {
  it("matches a fresh build (npm run check:action)", () => {
    const out = execFileSync(process.execPath, [join(REPO_ROOT, "action/build.mjs"), "--check"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(out).toContain("matches a fresh build");
  });

  it("runs a work order end to end from action/dist/index.js", async () => {
    sandbox = createSandbox();
    const run = await runAction(sandbox, { entry: BUNDLE_ENTRY, scenario: "edit" });

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe("success");
    const workRef = `refs/heads/moose-work/wo-${WORK_ORDER_ID}-a1`;
    expect(originRefs(sandbox)[workRef]).toBe(run.outputs.commit);
    expect(git(sandbox.origin, "diff", "--name-only", "main", workRef)).toBe("src/app.ts");
  });
});
