// Reads `.github/moose.yml` from the default branch through Probot's config loader and validates it.
import type { ProbotOctokit } from "probot";
import { parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import type { RepoRef } from "./permissions.js";

export type LoadedRepoConfig = { ok: true; config: RepoConfig } | { ok: false; error: string; triggerLabel: string };

export const REPO_CONFIG_PATH = ".github/moose.yml";

/**
 * Loads and validates the repository's configuration the way `context.config("moose.yml")` does (default branch,
 * falling back to the owner's `.github` repository, `_extends` honoured), but usable outside a webhook context.
 * An unreadable or invalid file yields `ok: false` with a message naming the file; `triggerLabel` is the label the
 * file asked for when that much was readable, so a broken file is still reported only on Moose's own label.
 */
export async function loadRepoConfig(octokit: ProbotOctokit, repo: RepoRef): Promise<LoadedRepoConfig> {
  const source = `${repo.owner}/${repo.repo}:${REPO_CONFIG_PATH}`;
  let raw: unknown;
  try {
    const { config, files } = await octokit.config.get({ ...repo, path: REPO_CONFIG_PATH });
    raw = files.some((file) => file.config !== null) ? config : null;
  } catch (error) {
    // Only the loader's own "could not be parsed" is the user's mistake; HTTP and network failures are transient
    // (a missing file is not an error at all: the loader reports it as "no file"), so the event is retried.
    const message = error instanceof Error ? error.message : "";
    if (!/could not be parsed|is either a directory/.test(message)) throw error;
    const why = error instanceof Error && error.cause instanceof Error ? firstLine(error.cause) : firstLine(error);
    return { ok: false, error: `${source}: the file cannot be read as a YAML mapping (${why})`, triggerLabel: "moose" };
  }
  const parsed = parseRepoConfig(raw, source);
  if (parsed.ok) return parsed;
  const asked = (raw as { trigger_label?: unknown } | null)?.trigger_label;
  return { ok: false, error: parsed.error, triggerLabel: typeof asked === "string" ? asked : "moose" };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? "").slice(0, 200);
}
