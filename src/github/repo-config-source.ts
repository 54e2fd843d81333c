// Reads `.github/moose.yml` from the default branch through Probot's config loader and validates it.
import type { Context } from "probot";
import { parseRepoConfig, type RepoConfig } from "../config/repo-config.js";

export type LoadedRepoConfig = { ok: true; config: RepoConfig } | { ok: false; error: string; triggerLabel: string };

export const REPO_CONFIG_FILE = "moose.yml";

/**
 * Loads and validates the repository's configuration. An unreadable or invalid file yields `ok: false` with a
 * message naming the file; `triggerLabel` is the label the file asked for when that much was readable, so a broken
 * file is still reported only on Moose's own label.
 */
export async function loadRepoConfig(context: Context): Promise<LoadedRepoConfig> {
  const { owner, repo } = context.repo();
  const source = `${owner}/${repo}:.github/${REPO_CONFIG_FILE}`;
  let raw: unknown;
  try {
    raw = await context.config(REPO_CONFIG_FILE);
  } catch (error) {
    // HTTP failures (other than a missing file, which Probot maps to null) are transient: let the event retry.
    if (typeof (error as { status?: unknown }).status === "number") throw error;
    return { ok: false, error: `${source}: the file is not valid YAML (${firstLine(error)})`, triggerLabel: "moose" };
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
