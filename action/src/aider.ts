// Owns how Aider is started: its flags, its scrubbed environment, and the wall-clock timeout that kills its process group.
import { spawn } from "node:child_process";

export const AIDER_INSTALL_HINT = "pipx install aider-chat==0.86.2 (or: python -m pip install aider-install && aider-install)";

export interface AiderArgsInput {
  model: string;
  messageFile: string;
  chatHistoryFile: string;
  inputHistoryFile: string;
  files: string[];
}

/**
 * The non-interactive invocation from reference/aider-cli.md §10. Every security-relevant setting is on the command
 * line because the command line beats a repository's .aider.conf.yml.
 */
export function aiderArgs(input: AiderArgsInput): string[] {
  return [
    "--model",
    input.model,
    "--message-file",
    input.messageFile,
    "--yes-always",
    "--no-pretty",
    "--no-stream",
    "--no-fancy-input",
    "--no-analytics",
    "--no-check-update",
    "--no-show-release-notes",
    "--no-show-model-warnings",
    "--no-detect-urls",
    "--disable-playwright",
    "--no-suggest-shell-commands",
    "--no-auto-lint",
    "--no-auto-test",
    "--no-gitignore",
    "--auto-commits",
    "--no-dirty-commits",
    "--no-restore-chat-history",
    "--chat-history-file",
    input.chatHistoryFile,
    "--input-history-file",
    input.inputHistoryFile,
    "--",
    ...input.files,
  ];
}

// Variables the LLM-driven process may see: locale, paths, proxies and certificates, and provider credentials.
const PASS_NAMES = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TMPDIR",
  "TEMP",
  "TMP",
  "VIRTUAL_ENV",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
]);
const PROVIDER_VAR = /^[A-Z][A-Z0-9_]*_API_(?:KEY|BASE|VERSION)$/;
// Never handed to Aider, even when an operator lists them in MOOSE_AIDER_PASS_ENV.
const FORBIDDEN_VAR = /^(?:GITHUB_|INPUT_|ACTIONS_|RUNNER_|GH_|GIT_)|TOKEN/i;

/**
 * Builds Aider's environment from an allow-list, so the job's GitHub token (and every other runner variable) stays out
 * of the LLM-driven process. `MOOSE_AIDER_PASS_ENV` (comma-separated names) lets an operator add variables.
 */
export function aiderEnv(parent: NodeJS.ProcessEnv, secrets: string[]): Record<string, string> {
  const extra = (parent.MOOSE_AIDER_PASS_ENV ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const allowed = PASS_NAMES.has(name) || PROVIDER_VAR.test(name) || extra.includes(name);
    if (!allowed || FORBIDDEN_VAR.test(name)) continue;
    if (secrets.some((s) => s !== "" && value.includes(s))) continue;
    env[name] = value;
  }
  // Unwrapped tool lines, UTF-8 on every platform, and no browser ever opened (aider-cli.md §6, §9).
  env.COLUMNS = "1000";
  env.PYTHONIOENCODING = "utf-8";
  env.PYTHONUTF8 = "1";
  env.BROWSER = "true";
  env.TERM = "dumb";
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

export interface ProcessRun {
  /** null when the process was killed or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  missing: boolean;
  durationMs: number;
  /** stdout and stderr interleaved, the last OUTPUT_KEEP characters. */
  output: string;
}

const OUTPUT_KEEP = 1_000_000;

export interface RunAiderOptions {
  command?: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL on timeout. */
  killGraceMs?: number;
  onOutput?: (chunk: string) => void;
}

/**
 * Runs Aider in its own process group with stdin ignored (a prompt then sees EOF instead of blocking). On timeout the
 * whole group gets SIGTERM, then SIGKILL; after a normal exit the group is killed too, so no helper outlives the step.
 */
export function runAider(options: RunAiderOptions): Promise<ProcessRun> {
  const started = performance.now();
  const grace = options.killGraceMs ?? 5_000;
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    let settled = false;
    const child = spawn(options.command ?? "aider", options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const collect = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output = (output + text).slice(-OUTPUT_KEEP);
      options.onOutput?.(text);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);

    // Aider runs in its own group, so a cancelled job's signal to this process would not reach it: pass it on.
    const onCancel = (signal: NodeJS.Signals) => {
      killGroup("SIGKILL");
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onCancel);
    process.once("SIGTERM", onCancel);

    let killTimer: NodeJS.Timeout | undefined;
    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), grace);
    }, options.timeoutMs);

    const finish = (run: Omit<ProcessRun, "durationMs" | "output" | "timedOut">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      if (killTimer) clearTimeout(killTimer);
      process.off("SIGINT", onCancel);
      process.off("SIGTERM", onCancel);
      killGroup("SIGKILL");
      resolve({ ...run, timedOut, output, durationMs: performance.now() - started });
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      finish({ exitCode: null, signal: null, missing: error.code === "ENOENT" });
    });
    child.on("exit", (code, signal) => {
      // Pipes may stay open while a stray grandchild lives; give them a moment, then kill the group regardless.
      const close = setTimeout(() => finish({ exitCode: code, signal, missing: false }), 2_000);
      child.on("close", () => {
        clearTimeout(close);
        finish({ exitCode: code, signal, missing: false });
      });
    });
  });
}

export type AiderVersion = { ok: true; version: string } | { ok: false; reason: string };

/** `aider --version`: a missing Aider fails with the install command. */
export async function checkAiderVersion(env: Record<string, string>, cwd: string, command = "aider"): Promise<AiderVersion> {
  const run = await runAider({ command, args: ["--version"], cwd, env, timeoutMs: 60_000, killGraceMs: 1_000 });
  if (run.missing) return { ok: false, reason: `Aider is not installed on this runner (no "aider" on PATH). Install it with: ${AIDER_INSTALL_HINT}` };
  const version = /aider\s+v?(\d+\.\d+\.\d+\S*)/i.exec(run.output)?.[1];
  if (run.exitCode !== 0 || !version) {
    return { ok: false, reason: `"aider --version" did not report a version (exit ${run.exitCode ?? run.signal}). Reinstall it with: ${AIDER_INSTALL_HINT}` };
  }
  return { ok: true, version };
}
