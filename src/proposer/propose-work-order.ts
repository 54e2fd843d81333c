// The Proposer stage: read the files in scope from the default branch, ask the routed model, record what it cost.
import type { ProbotOctokit } from "probot";
import { RETRY_OPTIONS, escalateWorkOrder, type ResolutionOption } from "../escalations/escalate.js";
import type { RepoRef } from "../github/permissions.js";
import { estimateCallCostUsd } from "../manager/budget.js";
import { maintainerApproved } from "../manager/manage-work-order.js";
import { findModel, type ModelEntry } from "../manager/model-catalog.js";
import { runProposal, type ProposalCost } from "../manager/proposal-run.js";
import type { StageContext, StageOutcome } from "../orchestrator/stage-context.js";
import type { CostRecord, WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { buildProposalPrompt, renderAiderInstruction, type ScopeFile } from "./prompt.js";
import { availableProviders, proposeWith } from "./providers.js";

/** Files larger than this are not read for the prompt (the prompt says they exist but are not shown). */
const MAX_SCOPE_FILE_BYTES = 512 * 1024;

/** The current contents of each file in scope on `ref`; a missing path reads as null, a folder or huge file as unreadable. */
export async function readScopeFiles(octokit: ProbotOctokit, repo: RepoRef, ref: string, paths: readonly string[]): Promise<ScopeFile[]> {
  return Promise.all(
    paths.map(async (path): Promise<ScopeFile> => {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...repo, path: path.replace(/\/$/, ""), ref });
        if (Array.isArray(data)) return { path, content: null, unreadable: "folder" }; // a folder lists its entries
        if (data.type !== "file" || !("content" in data)) return { path, content: null };
        if (data.size > MAX_SCOPE_FILE_BYTES) return { path, content: null, unreadable: "too large" };
        return { path, content: Buffer.from(data.content, "base64").toString("utf8") };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return { path, content: null };
        throw error;
      }
    }),
  );
}

export function toCostRecord(cost: ProposalCost, attempt: number): CostRecord {
  return {
    workOrderId: cost.workOrderId,
    stage: "proposal",
    provider: cost.provider,
    model: cost.model,
    inputTokens: cost.usage?.inputTokens ?? null,
    outputTokens: cost.usage?.outputTokens ?? null,
    cacheReadTokens: cost.usage?.cacheReadTokens ?? null,
    cacheWriteTokens: cost.usage ? cost.usage.cacheWriteTokens + cost.usage.cacheWriteLongTokens : null,
    costUsd: cost.costUsd,
    costEstimated: cost.costEstimated,
    latencyMs: cost.latencyMs,
    attempt,
  };
}

/**
 * An auto-fix attempt carries the Sentinel's digest of the failing checks. It joins the description, which the prompt
 * and the runner's instruction both fence as untrusted data: CI output is as untrusted as the issue.
 */
export function withFailureDigest(workOrder: WorkOrder): WorkOrder {
  const digest = workOrder.metadata.fix_digest;
  if (typeof digest !== "string" || digest === "") return workOrder;
  return {
    ...workOrder,
    description: `${workOrder.description}\n\nThe previous attempt's pull request failed its checks. Fix the change so they pass. Failure digest:\n\n${digest}`,
  };
}

export async function proposeWorkOrder(stage: StageContext, workOrder: WorkOrder): Promise<StageOutcome> {
  const { services, pipeline, octokit, repo, project } = stage;
  const { store } = services;
  const model = findModel(pipeline.catalog, String(workOrder.metadata.model ?? ""));
  if (!model) {
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "routing",
      severity: "high",
      message: `The routed model \`${String(workOrder.metadata.model)}\` is no longer in the model table.`,
      options: RETRY_OPTIONS,
    });
    return { kind: "stopped", reason: "model gone" };
  }

  const files = await readScopeFiles(octokit, repo, project.defaultBranch, workOrder.filesInScope);
  const task = withFailureDigest(workOrder);
  const buildPrompt = (candidate: ModelEntry) => buildProposalPrompt({ workOrder: task, files, tokenBudget: candidate.context_tokens });
  const estimate = estimateCallCostUsd(model, buildPrompt(model).estimatedTokens, model.max_output_tokens);
  const result = await runProposal(
    {
      workOrderId: workOrder.id,
      catalog: pipeline.catalog,
      model,
      buildPrompt,
      limits: pipeline.limits,
      approvedOverHardLimit: maintainerApproved(workOrder),
      availableProviders: availableProviders(pipeline.providers),
    },
    {
      ledger: {
        reserve: (input) => store.reserveBudget(input),
        settle: (id, actual) => store.settleBudget(id, actual),
        release: (id) => store.releaseBudget(id),
      },
      call: (candidate, prompt) => proposeWith(pipeline.providers, candidate, prompt),
      recordCost: (cost) => store.recordCost(toCostRecord(cost, workOrder.attempt)),
      recordDecision: (decision) => store.recordDecision(decision),
      now: services.now,
    },
  );

  if (!result.ok) {
    const options: readonly ResolutionOption[] =
      result.escalation === "budget"
        ? [{ command: "/moose approve", effect: "allow this work order to spend past the hard limit (up to the emergency limit)" }, ...RETRY_OPTIONS.slice(2)]
        : RETRY_OPTIONS;
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: result.escalation,
      severity: result.escalation === "budget" ? "high" : "medium",
      message: `The proposal failed: ${result.reason}`,
      options,
    });
    return { kind: "stopped", reason: `proposal failed: ${result.escalation}` };
  }

  const instruction = renderAiderInstruction({ workOrder: task, proposal: result.result.text, proposedBy: result.model.id });
  const previousCost = typeof workOrder.metadata.proposal_cost_usd === "number" ? workOrder.metadata.proposal_cost_usd : 0;
  const advanced = await store.transitionWorkOrder({
    id: workOrder.id,
    from: ["proposing"],
    to: "dispatching",
    leaseOwner: services.workerId,
    patch: {
      metadata: {
        proposal_model: result.model.id,
        aider_model: result.model.aider_model,
        proposal_cost_usd: previousCost + result.costUsd,
        instruction,
        ...withProgress(
          workOrder,
          "proposer",
          `${result.model.id} proposed a plan for $${result.costUsd.toFixed(4)}` +
            (estimate !== null ? ` (estimated at most $${estimate.toFixed(4)})` : "") +
            (result.attempts.length > 1 ? ` after ${result.attempts.length - 1} failed model(s)` : ""),
          services.now(),
        ),
      },
    },
  });
  if (!advanced) return { kind: "stopped", reason: "lease lost" };
  await refreshTrackingComment(services, octokit, repo, advanced.id);
  return { kind: "advanced", workOrder: advanced };
}
