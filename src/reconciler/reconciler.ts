// The Reconciler: at start and periodically, finds what lost webhooks would have told Moose, and catches up.
import type { ProbotOctokit } from "probot";
import { DIRECTOR_REPLY_MARKER, ensureProject } from "../director/director.js";
import { settlePullRequestState } from "../endings/endings.js";
import type { RepoRef } from "../github/permissions.js";
import { loadRepoConfig } from "../github/repo-config-source.js";
import type { MooseServices } from "../orchestrator/services.js";
import type { PipelineConfig } from "../orchestrator/stage-context.js";
import { loadStageContext } from "../orchestrator/work-order-pipeline.js";
import type { WorkerJob } from "../orchestrator/worker.js";
import { acceptRunnerRun } from "../publisher/runner-run.js";
import { runSentinel } from "../sentinel/sentinel.js";
import type { Project, WorkOrder } from "../store/store.js";

export interface ReconcileReport {
  labelsRecovered: number;
  runsRecovered: number;
  pullRequestsChecked: number;
  errors: number;
}

/** How many in-flight work orders one pass looks at; the rest wait for the next pass (oldest first). */
const BATCH = 50;

/** A labelled issue whose `labeled` event never arrived becomes a recorded event, so the Director handles it as usual. */
async function recoverLabels(services: MooseServices, installationId: number, octokit: ProbotOctokit, repository: any): Promise<number> {
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const loaded = await loadRepoConfig(octokit, repo);
  const label = loaded.ok ? loaded.config.trigger_label : loaded.triggerLabel;
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, labels: label, state: "open", per_page: 100 });
  const project = await ensureProject(services, { payload: { repository, installation: { id: installationId } } });
  let recovered = 0;
  for (const issue of issues.filter((i) => !i.pull_request)) {
    const latest = await services.store.findLatestWorkOrder(project.id, issue.number);
    if (latest && latest.status !== "completed" && latest.status !== "cancelled") continue;
    const events = await octokit.paginate(octokit.rest.issues.listEvents, { ...repo, issue_number: issue.number, per_page: 100 });
    const labelled = events.filter((e: any) => e.event === "labeled" && e.label?.name?.toLowerCase() === label.toLowerCase()).at(-1) as any;
    if (!labelled?.actor) continue;
    if (latest && latest.createdAt.getTime() >= Date.parse(labelled.created_at) - 60_000) continue;
    // The label was seen and answered (an incomplete issue, a broken config): do not answer it twice.
    const comments = await octokit.rest.issues.listComments({ ...repo, issue_number: issue.number, since: labelled.created_at, per_page: 100 });
    if (comments.data.some((comment) => comment.body?.includes(DIRECTOR_REPLY_MARKER))) continue;
    const { inserted } = await services.store.recordEvent({
      deliveryId: `reconcile:labeled:${labelled.id}`,
      name: "issues",
      action: "labeled",
      installationId,
      repoFullName: repository.full_name,
      payload: { action: "labeled", issue, label: labelled.label, repository, sender: labelled.actor, installation: { id: installationId } },
    });
    if (inserted) recovered++;
  }
  return recovered;
}

async function forEachWorkOrder(
  services: MooseServices,
  workOrders: readonly WorkOrder[],
  visit: (workOrder: WorkOrder, project: Project, octokit: ProbotOctokit, repo: RepoRef) => Promise<boolean>,
): Promise<{ done: number; errors: number }> {
  let done = 0;
  let errors = 0;
  for (const workOrder of workOrders) {
    try {
      const project = await services.store.getProject(workOrder.projectId);
      if (!project) continue;
      const octokit = await services.octokitFor(project.installationId);
      if (await visit(workOrder, project, octokit, { owner: project.owner, repo: project.repo })) done++;
    } catch (error) {
      errors++;
      services.log.warn({ err: error, workOrder: workOrder.id }, "reconciler could not check a work order");
    }
  }
  return { done, errors };
}

export async function reconcile(services: MooseServices, pipeline: PipelineConfig): Promise<ReconcileReport> {
  const report: ReconcileReport = { labelsRecovered: 0, runsRecovered: 0, pullRequestsChecked: 0, errors: 0 };
  const { store } = services;

  const app = await services.appOctokit();
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    try {
      const octokit = await services.octokitFor(installation.id);
      const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      for (const repository of repositories) {
        report.labelsRecovered += await recoverLabels(services, installation.id, octokit, repository);
      }
    } catch (error) {
      report.errors++;
      services.log.warn({ err: error, installation: installation.id }, "reconciler could not list an installation's issues");
    }
  }

  const runs = await forEachWorkOrder(services, await store.listWorkOrdersInStatus(["dispatching", "running"], BATCH), async (workOrder, project, octokit, repo) => {
    if (workOrder.runId === null) return false;
    const { data: run } = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: workOrder.runId });
    if (run.status !== "completed") return false;
    return (await acceptRunnerRun(services, octokit, repo, project, run))?.includes("publishing") ?? false;
  });
  report.runsRecovered = runs.done;
  report.errors += runs.errors;

  // PRs waiting for a verdict first: work orders that sit for days (approved checks awaiting review, escalations
  // without a PR) must not fill the batch ahead of them.
  const waiting = await store.listWorkOrdersInStatus(["pr_open"], BATCH);
  const settled = (await store.listWorkOrdersInStatus(["checks_passed", "checks_failed", "escalated"], BATCH * 4)).filter((wo) => wo.prNumber !== null);
  const prs = await forEachWorkOrder(
    services,
    [...waiting, ...settled.slice(0, BATCH)],
    async (workOrder, _project, octokit, repo) => {
      const { data: pull } = await octokit.rest.pulls.get({ ...repo, pull_number: workOrder.prNumber! });
      if (await settlePullRequestState(services, octokit, repo, workOrder, pull, "reconciler")) return true;
      if (workOrder.status !== "pr_open") return false;
      const leased = await store.acquireLease(workOrder.id, services.workerId, services.leaseMs);
      if (!leased) return false;
      try {
        const stage = await loadStageContext(services, pipeline, leased);
        if (!("error" in stage)) await runSentinel(stage, leased);
      } finally {
        await store.releaseLease(workOrder.id, services.workerId);
      }
      return true;
    },
  );
  report.pullRequestsChecked = prs.done;
  report.errors += prs.errors;
  return report;
}

/**
 * The reconciler as a worker job: runs at start and then at most once per `intervalMs`. It reports work only when
 * it recovered something, so a drain continues into handling what it found.
 */
export function createReconcilerJob(services: MooseServices, pipeline: PipelineConfig, intervalMs: number): WorkerJob {
  let nextRunAt = 0;
  return async () => {
    const now = services.now().getTime();
    if (now < nextRunAt) return false;
    nextRunAt = now + intervalMs;
    const started = Date.now();
    const report = await reconcile(services, pipeline);
    services.log.info({ ...report, durationMs: Date.now() - started }, "reconciler pass");
    return report.labelsRecovered + report.runsRecovered > 0;
  };
}
