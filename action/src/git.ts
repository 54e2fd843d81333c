// Owns every git invocation the action makes (argument arrays only) and the parsing of git's -z output into facts.
import { spawn } from "node:child_process";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Git {
  /** Runs git; throws GitError on a non-zero exit unless allowFailure is set. */
  (args: string[], options?: { allowFailure?: boolean; env?: Record<string, string> }): Promise<GitResult>;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(`git ${args[0] ?? ""} failed (exit ${result.code}): ${firstLine(result.stderr)}`);
  }
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? "").trim().slice(0, 200);
}

const GIT_TIMEOUT_MS = 120_000;

/** A git bound to one working tree; `baseEnv` never carries a token (only the push adds one, per call). */
export function gitIn(cwd: string, baseEnv: NodeJS.ProcessEnv): Git {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  // Never wait for a credential prompt, and never let a stray GIT_DIR point elsewhere.
  env.GIT_TERMINAL_PROMPT = "0";
  delete env.GIT_DIR;
  delete env.GIT_WORK_TREE;
  delete env.GIT_INDEX_FILE;
  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn("git", args, {
        cwd,
        env: { ...env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: GIT_TIMEOUT_MS,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.on("error", reject);
      child.on("close", (code, signal) => {
        const result = {
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        };
        if (result.code !== 0 && !options.allowFailure) reject(new GitError(args, result));
        else resolve(result);
      });
    });
}

export interface PathChange {
  path: string;
  oldMode: string;
  newMode: string;
  /** A, M, D, T… (renames are split into D + A by --no-renames). */
  status: string;
}

/** Parses `git diff --raw -z --no-renames` / `git log --raw -z --format=` output. */
export function parseRawZ(output: string): PathChange[] {
  const tokens = output.split("\0");
  const changes: PathChange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const header = tokens[i]?.replace(/^\n+/, "") ?? "";
    if (!header.startsWith(":")) continue;
    const [oldMode = "", newMode = "", , , status = ""] = header.slice(1).split(" ");
    const path = tokens[i + 1];
    i++;
    if (path === undefined || path === "") continue;
    changes.push({ path, oldMode, newMode, status: status.charAt(0) });
  }
  return changes;
}

/** Paths with uncommitted changes (tracked or untracked) from `git status --porcelain=v1 -z --untracked-files=all`. */
export function parseStatusZ(output: string): string[] {
  const tokens = output.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i] ?? "";
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    paths.push(entry.slice(3));
    // Renames and copies carry their source path as the next token.
    if (xy.includes("R") || xy.includes("C")) {
      const source = tokens[i + 1];
      if (source) paths.push(source);
      i++;
    }
  }
  return paths;
}

/** True when `git check-ref-format --branch` accepts the name. */
export async function isValidBranchName(git: Git, name: string): Promise<boolean> {
  if (name.startsWith("-")) return false;
  const result = await git(["check-ref-format", "--branch", name], { allowFailure: true });
  return result.code === 0 && result.stdout.trim() === name;
}

export async function resolveCommit(git: Git, ref: string): Promise<string | undefined> {
  const result = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { allowFailure: true });
  return result.code === 0 ? result.stdout.trim() : undefined;
}
