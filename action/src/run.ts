// Owns one attempt of a work order on the runner: prepare the branch, run Aider, judge from git, push the work ref.
import { appendFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { detectProblems, parseSessionCost } from "./aider-output.js";
import { aiderArgs, aiderEnv, checkAiderVersion, runAider } from "./aider.js";
import type { Git } from "./git.js";
import { GitError, gitIn, isValidBranchName, parseRawZ, parseStatusZ, resolveCommit } from "./git.js";
import type { ActionInputs } from "./inputs.js";
import { workRefFor } from "./inputs.js";
import { judgeRun, singleLine } from "./judge.js";
import type { RunReport } from "./report.js";

export interface RunDeps {
  /** Repository root (GITHUB_WORKSPACE). */
  cwd: string;
  /** The step's environment: PATH, RUNNER_TEMP, provider keys. Aider gets an allow-listed copy. */
  env: NodeJS.ProcessEnv;
  /** Used only for the final push. */
  githubToken: string;
  log: (line: string) => void;
  /** Aider's own output, untrusted; main.ts echoes it with workflow commands disabled. */
  aiderOutput: (chunk: string) => void;
  aiderCommand?: string;
  killGraceMs?: number;
}

const COMMITTER_NAME = "github-actions[bot]";
const COMMITTER_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com";

export function emptyReport(inputs: Pick<ActionInputs, "workOrderId" | "attempt" | "branch"> | null): RunReport {
  return {
    result: "failed",
    reason: "",
    workOrderId: inputs?.workOrderId ?? null,
    attempt: inputs?.attempt ?? null,
    branch: inputs?.branch ?? null,
    commit: "",
    workRef: "",
    changedFiles: [],
    refusedFiles: [],
    aiderCostUsd: null,
    aiderVersion: "",
  };
}

export async function runWorkOrder(inputs: ActionInputs, deps: RunDeps): Promise<RunReport> {
  const report = emptyReport(inputs);
  const fail = (reason: string): RunReport => ({ ...report, result: "failed", reason: singleLine(reason) });
  const scratchRoot = deps.env.RUNNER_TEMP && isAbsolute(deps.env.RUNNER_TEMP) ? deps.env.RUNNER_TEMP : tmpdir();
  const secrets = [deps.githubToken];
  const envForAider = aiderEnv(deps.env, secrets);
  const git = gitIn(deps.cwd, withoutSecrets(deps.env, secrets));

  const version = await checkAiderVersion(envForAider, deps.cwd, deps.aiderCommand);
  if (!version.ok) return fail(version.reason);
  report.aiderVersion = version.version;
  deps.log(`Aider ${version.version}`);

  let scratch: string | undefined;
  try {
    const top = (await git(["rev-parse", "--show-toplevel"], { allowFailure: true })).stdout.trim();
    if (!top || (await realpath(top)) !== (await realpath(deps.cwd))) return fail(`${deps.cwd} is not the root of a git checkout`);
    if (!(await isValidBranchName(git, inputs.branch))) return fail("branch: rejected by git check-ref-format");
    if (!(await isValidBranchName(git, inputs.baseBranch))) return fail("base-branch: rejected by git check-ref-format");

    // Later attempts continue the PR branch; the first starts from the default branch.
    const continued = await resolveCommit(git, `refs/remotes/origin/${inputs.branch}`);
    const start = continued ?? (await resolveCommit(git, `refs/remotes/origin/${inputs.baseBranch}`));
    if (!start) return fail(`neither origin/${inputs.branch} nor origin/${inputs.baseBranch} exists; check out with fetch-depth: 0`);
    deps.log(`Starting ${inputs.branch} from ${continued ? `origin/${inputs.branch}` : `origin/${inputs.baseBranch}`} at ${start}`);

    await prepareWorkTree(git, deps.cwd, inputs.branch, start);
    scratch = await mkdtemp(join(scratchRoot, "moose-"));
    const messageFile = join(scratch, "instruction.md");
    const chatHistoryFile = join(scratch, "aider.chat.history.md");
    await writeFile(messageFile, inputs.instruction, { mode: 0o600 });

    const run = await runAider({
      command: deps.aiderCommand,
      args: aiderArgs({
        model: inputs.model,
        messageFile,
        chatHistoryFile,
        inputHistoryFile: join(scratch, "aider.input.history"),
        files: inputs.files,
      }),
      cwd: deps.cwd,
      env: envForAider,
      timeoutMs: inputs.timeoutMinutes * 60_000,
      killGraceMs: deps.killGraceMs,
      onOutput: deps.aiderOutput,
    });
    deps.log(`Aider finished in ${Math.round(run.durationMs)} ms (exit ${run.exitCode ?? run.signal}${run.timedOut ? ", timed out" : ""})`);
    if (run.missing) return fail("Aider disappeared from PATH between the version check and the run");

    const chatHistory = await readFile(chatHistoryFile, "utf8").catch(() => "");
    const cost = parseSessionCost(chatHistory);
    report.aiderCostUsd = cost ?? null;

    const head = (await git(["rev-parse", "HEAD"])).stdout.trim();
    const onBranch = (await git(["symbolic-ref", "-q", "HEAD"], { allowFailure: true })).stdout.trim() === `refs/heads/${inputs.branch}`;
    const descends = onBranch && (await git(["merge-base", "--is-ancestor", start, head], { allowFailure: true })).code === 0;
    const commitsAdded = descends ? Number((await git(["rev-list", "--count", `${start}..${head}`])).stdout.trim()) : 0;
    const netChanges = descends ? parseRawZ((await git(["diff", "--raw", "-z", "--no-renames", start, head])).stdout) : [];
    const committed = descends ? parseRawZ((await git(["log", "--raw", "-z", "--no-renames", "--format=", `${start}..${head}`])).stdout) : [];
    const uncommitted = parseStatusZ((await git(["status", "--porcelain=v1", "-z", "--untracked-files=all"])).stdout);
    const verdict = judgeRun({
      timedOut: run.timedOut,
      timeoutMinutes: inputs.timeoutMinutes,
      exitCode: run.exitCode,
      headDescends: descends,
      commitsAdded,
      netChanges,
      touched: [...committed, ...uncommitted.map((path) => ({ path, oldMode: "", newMode: "", status: "?" }))],
      uncommitted,
      problems: detectProblems(`${chatHistory}\n${run.output}`),
      scope: inputs.files,
    });
    report.changedFiles = [...new Set(netChanges.map((c) => c.path))];
    report.refusedFiles = verdict.refused.map((r) => r.path);
    deps.log(`Verdict: ${verdict.outcome}: ${singleLine(verdict.reason)}`);

    if (verdict.outcome !== "success") {
      // Nothing is pushed; the work tree goes back to where it started so a persistent runner keeps no refused edit.
      await resetTo(git, start);
      return { ...report, result: verdict.outcome, reason: singleLine(verdict.reason) };
    }

    if (uncommitted.length > 0) {
      deps.log(`Discarding ${uncommitted.length} uncommitted path(s) Aider left behind`);
      await resetTo(git, head);
    }
    await git(
      [
        "-c", `user.name=${COMMITTER_NAME}`, "-c", `user.email=${COMMITTER_EMAIL}`, "-c", "commit.gpgsign=false",
        "commit", "--amend", "--no-edit", "--no-verify", "--allow-empty",
        "--trailer", `Moose-Work-Order: ${inputs.workOrderId}`,
        "--trailer", `Moose-Attempt: ${inputs.attempt}`,
      ],
    );
    const commit = (await git(["rev-parse", "HEAD"])).stdout.trim();
    const workRef = workRefFor(inputs.workOrderId, inputs.attempt);
    const pushed = await pushWorkRef(git, commit, workRef, deps.githubToken);
    if (!pushed.ok) {
      await resetTo(git, start);
      return { ...report, result: "failed", reason: singleLine(`push of ${workRef} failed: ${pushed.reason}`) };
    }
    deps.log(`Pushed ${commit} to ${workRef}`);
    return { ...report, result: "success", reason: singleLine(verdict.reason), commit, workRef };
  } catch (error) {
    const message = error instanceof GitError ? error.message : `unexpected error: ${(error as Error).message}`;
    return fail(scrub(message, secrets));
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

async function prepareWorkTree(git: Git, cwd: string, branch: string, start: string): Promise<void> {
  await git(["checkout", "--quiet", "--force", "-B", branch, start]);
  await git(["clean", "-ffdq"]);
  await git(["config", "user.name", COMMITTER_NAME]);
  await git(["config", "user.email", COMMITTER_EMAIL]);
  // Aider writes .aider* caches in the git root; keep them out of status and commits.
  const path = resolve(cwd, (await git(["rev-parse", "--git-path", "info/exclude"])).stdout.trim());
  await mkdir(dirname(path), { recursive: true });
  const current = await readFile(path, "utf8").catch(() => "");
  if (!current.split("\n").includes(".aider*")) await appendFile(path, `${current === "" || current.endsWith("\n") ? "" : "\n"}.aider*\n`);
}

async function resetTo(git: Git, commit: string): Promise<void> {
  await git(["reset", "--quiet", "--hard", commit]);
  await git(["clean", "-ffdq"]);
}

/** The only use of the token: an Authorization header in git's environment (not argv, not .git/config) for one push. */
async function pushWorkRef(git: Git, commit: string, workRef: string, token: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const env: Record<string, string> = {};
  if (token !== "") {
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = "http.extraheader";
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
  }
  // A forced single-ref push is atomic: the ref either moves to this commit or stays as it was.
  const result = await git(["push", "--quiet", "--no-verify", "origin", `+${commit}:${workRef}`], { allowFailure: true, env });
  if (result.code === 0) return { ok: true };
  const detail = (result.stderr.split("\n").find((l) => l.trim() !== "") ?? `exit ${result.code}`).trim();
  return { ok: false, reason: scrub(detail, [token]) };
}

function withoutSecrets(env: NodeJS.ProcessEnv, secrets: string[]): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || /^INPUT_/i.test(k)) continue;
    if (secrets.some((s) => s !== "" && v.includes(s))) continue;
    copy[k] = v;
  }
  return copy;
}

function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => (s === "" ? t : t.split(s).join("***")), text);
}
