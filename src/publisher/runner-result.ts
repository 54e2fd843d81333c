// Reads what the runner action reported for a run: the `moose-result` annotation on the job's check run.
import type { ProbotOctokit } from "probot";
import { z } from "zod";
import { sanitizeUntrustedText } from "../director/untrusted-text.js";
import type { RepoRef } from "../github/permissions.js";

/** The annotation title and JSON shape `action/src/report.ts` publishes (see action/README.md, "Results"). */
export const RESULT_ANNOTATION_TITLE = "moose-result";

const runnerResultSchema = z.looseObject({
  version: z.literal(1),
  result: z.enum(["success", "no-change", "failed"]),
  reason: z.string(),
  workOrderId: z.string().nullable(),
  attempt: z.number().nullable(),
  commit: z.string(),
  workRef: z.string(),
  changedFiles: z.array(z.string()),
  aiderCostUsd: z.number().nonnegative().nullable(),
});
export type RunnerResult = z.infer<typeof runnerResultSchema>;

/** Parses one annotation message; anything malformed is "no result" rather than a crash. */
export function parseRunnerResult(message: string): RunnerResult | null {
  try {
    const parsed = runnerResultSchema.safeParse(JSON.parse(message));
    if (!parsed.success) return null;
    // The reason is shown to users; the runner writes it, but it may quote paths an LLM chose.
    return { ...parsed.data, reason: sanitizeUntrustedText(parsed.data.reason, 300) };
  } catch {
    return null;
  }
}

/** The runner's report for a run, or null when the run ended before the action could report (e.g. cancelled). */
export async function readRunnerResult(octokit: ProbotOctokit, repo: RepoRef, runId: number): Promise<RunnerResult | null> {
  const { data } = await octokit.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: runId, per_page: 10 });
  for (const job of data.jobs) {
    const checkRunId = Number(job.check_run_url?.split("/").pop());
    if (!Number.isSafeInteger(checkRunId)) continue;
    const annotations = await octokit.paginate(octokit.rest.checks.listAnnotations, { ...repo, check_run_id: checkRunId, per_page: 100 });
    for (const annotation of annotations) {
      if (annotation.title !== RESULT_ANNOTATION_TITLE || !annotation.message) continue;
      const result = parseRunnerResult(annotation.message);
      if (result) return result;
    }
  }
  return null;
}
