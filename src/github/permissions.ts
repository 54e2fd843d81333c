// Who may drive Moose: the collaborator-permission API, never `author_association` (it ignores team and org grants).
import type { ProbotOctokit } from "probot";

export interface RepoRef {
  owner: string;
  repo: string;
}

const WRITE_PERMISSIONS = new Set(["admin", "maintain", "write"]);

/**
 * True when `username` has admin, maintain or write access to the repository. A 404 (not a collaborator, or a
 * deleted account) means no access; any other error propagates so the event is retried rather than misjudged.
 */
export async function hasWriteAccess(octokit: ProbotOctokit, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    // `permission` folds maintain into write; `role_name` keeps it (and names custom roles built on write).
    return WRITE_PERMISSIONS.has(data.permission) || WRITE_PERMISSIONS.has(data.role_name);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
