// Test support for the runner action: a real git repository with a bare origin, a fake aider on PATH, and a way to run
// the action's entry point as a child process with INPUT_* variables and a scrubbed environment.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FAKE_AIDER = join(REPO_ROOT, "test/action/fixtures/fake-aider");
export const SOURCE_ENTRY = ["--import", "tsx", join(REPO_ROOT, "action/src/main.ts")];
export const BUNDLE_ENTRY = [join(REPO_ROOT, "action/dist/index.js")];
// A fake job token in the real token's shape, assembled at run time so no committed line looks like a live token.
export const TOKEN = ["ghs", "FakeJobToken0123456789abcdefABCDEF"].join("_");
export const WORK_ORDER_ID = "1234abcd-5678-4ef0-9abc-def012345678";

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export interface Sandbox {
  root: string;
  origin: string;
  work: string;
  home: string;
  runnerTemp: string;
  state: string;
  bin: string;
  cleanup(): void;
}

export interface SandboxOptions {
  /** Extra files committed on main, path -> content. */
  files?: Record<string, string>;
  withAider?: boolean;
}

/** main with README.md, src/app.ts and a CI workflow, pushed to a bare origin, then cloned like actions/checkout does. */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "moose-action-"));
  const origin = join(root, "origin.git");
  const seed = join(root, "seed");
  const work = join(root, "work");
  const home = join(root, "home");
  const runnerTemp = join(root, "runner-temp");
  const state = join(root, "state");
  const bin = join(root, "bin");
  for (const dir of [seed, home, runnerTemp, state, bin]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(home, ".gitconfig"), "[user]\n\tname = Seed\n\temail = seed@example.com\n[init]\n\tdefaultBranch = main\n");
  const env = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: "1" };
  const run = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env, stdio: "ignore" });

  run(root, "init", "--quiet", "--bare", origin);
  run(seed, "init", "--quiet", "-b", "main");
  const files: Record<string, string> = {
    "README.md": "# Sample\n",
    "src/app.ts": "export const answer = 42;\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    ...options.files,
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, path)), { recursive: true });
    writeFileSync(join(seed, path), content);
  }
  run(seed, "add", "-A");
  run(seed, "commit", "--quiet", "-m", "initial");
  run(seed, "remote", "add", "origin", origin);
  run(seed, "push", "--quiet", "origin", "main");
  run(root, "clone", "--quiet", origin, work);
  // A fresh runner user has no git identity; the action must set one before Aider would invent "Your Name".
  writeFileSync(join(home, ".gitconfig"), "[init]\n\tdefaultBranch = main\n");

  if (options.withAider !== false) symlinkSync(FAKE_AIDER, join(bin, "aider"));
  chmodSync(FAKE_AIDER, 0o755);
  return { root, origin, work, home, runnerTemp, state, bin, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function originRefs(sandbox: Sandbox): Record<string, string> {
  const out = git(sandbox.origin, "for-each-ref", "--format=%(refname) %(objectname)");
  return Object.fromEntries(out.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
}

export function defaultInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    "work-order-id": WORK_ORDER_ID,
    attempt: "1",
    branch: "feature/wo-1234abcd-add-greeting",
    "base-branch": "main",
    title: "Add greeting",
    model: "anthropic/claude-sonnet-4-5",
    files: "src/app.ts\nREADME.md",
    instruction: "Add a greeting export to src/app.ts.",
    "timeout-minutes": "1",
    "github-token": TOKEN,
    ...overrides,
  };
}

/** GitHub's file-command format: `name<<delimiter\nvalue\ndelimiter`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1] as string] = match[3] as string;
  return outputs;
}

export interface RunOptions {
  entry?: string[];
  scenario?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Put the fake aider on PATH (default true). */
  aiderOnPath?: boolean;
  /** Called with the action's process id once it runs. */
  onStart?: (pid: number) => void;
}

/** Runs the entry point with only the variables a runner step would have (no GITHUB_* from the host leaks in). */
export function runAction(sandbox: Sandbox, options: RunOptions = {}): Promise<ActionRun> {
  const outputFile = join(sandbox.runnerTemp, `output-${Date.now()}-${Math.random()}`);
  const summaryFile = join(sandbox.runnerTemp, `summary-${Date.now()}-${Math.random()}`);
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const pathDirs = [...(options.aiderOnPath === false ? [] : [sandbox.bin]), dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"];
  const env: Record<string, string> = {
    PATH: pathDirs.join(":"),
    HOME: sandbox.home,
    GIT_CONFIG_NOSYSTEM: "1",
    RUNNER_TEMP: sandbox.runnerTemp,
    GITHUB_WORKSPACE: sandbox.work,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_TOKEN: TOKEN,
    ANTHROPIC_API_KEY: "sk-ant-test-key",
    MOOSE_AIDER_PASS_ENV: "FAKE_AIDER_SCENARIO,FAKE_AIDER_STATE_DIR,GITHUB_TOKEN",
    FAKE_AIDER_SCENARIO: options.scenario ?? "edit",
    FAKE_AIDER_STATE_DIR: sandbox.state,
    ...options.env,
  };
  for (const [name, value] of Object.entries(defaultInputs(options.inputs))) env[`INPUT_${name.toUpperCase()}`] = value;

  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, options.entry ?? SOURCE_ENTRY, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    if (child.pid !== undefined) options.onStart?.(child.pid);
    child.on("close", (code) => {
      resolvePromise({
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, "utf8")),
        summary: readFileSync(summaryFile, "utf8"),
        durationMs: performance.now() - started,
      });
    });
  });
}

export function readState(sandbox: Sandbox, name: string): string | undefined {
  try {
    return readFileSync(join(sandbox.state, name), "utf8");
  } catch {
    return undefined;
  }
}

/** A process that still runs; a zombie (terminated, waiting to be reaped by a PID 1 that may never reap) is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Polls until the process is gone: SIGKILL is delivered asynchronously, and a loaded machine may take a moment. */
export async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
