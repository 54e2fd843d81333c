// The Manager stage: dependencies, budget tier, routing and capacity decide whether and how an approved work order starts.
import { RETRY_OPTIONS, escalateWorkOrder } from "../escalations/escalate.js";
import type { StageContext, StageOutcome } from "../orchestrator/stage-context.js";
import { availableProviders } from "../proposer/providers.js";
import type { Store, WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { budgetTier, monthKey, type BudgetTier } from "./budget.js";
import { scoreComplexity } from "./complexity.js";
import { routeWorkOrder } from "./routing.js";

export type DependencyState = { kind: "ready" } | { kind: "waiting"; on: number[] } | { kind: "blocked"; reason: string };

/** A work order may start once every issue it depends on has a completed work order; cycles and gaps block it. */
export async function checkDependencies(store: Store, workOrder: WorkOrder): Promise<DependencyState> {
  const waiting: number[] = [];
  for (const issue of workOrder.dependsOn) {
    if (issue === workOrder.issueNumber) return { kind: "blocked", reason: `#${issue} depends on itself` };
    const dependency = await store.findLatestWorkOrder(workOrder.projectId, issue);
    if (!dependency) return { kind: "blocked", reason: `it depends on #${issue}, which has no Moose work order: label #${issue} first` };
    if (dependency.status === "cancelled") return { kind: "blocked", reason: `it depends on #${issue}, whose work order was cancelled` };
    if (dependency.status !== "completed") waiting.push(issue);
  }
  const cycle = await findDependencyCycle(store, workOrder);
  if (cycle) return { kind: "blocked", reason: `its dependencies form a cycle: ${cycle.map((n) => `#${n}`).join(" → ")}` };
  return waiting.length > 0 ? { kind: "waiting", on: waiting } : { kind: "ready" };
}

async function findDependencyCycle(store: Store, start: WorkOrder): Promise<number[] | null> {
  // Depth-first over the issues' latest work orders; the path back to `start` is the cycle shown to the user.
  const visit = async (issue: number, path: number[], seen: Set<number>): Promise<number[] | null> => {
    if (issue === start.issueNumber) return [...path, issue];
    if (seen.has(issue)) return null;
    seen.add(issue);
    const workOrder = await store.findLatestWorkOrder(start.projectId, issue);
    for (const next of workOrder?.dependsOn ?? []) {
      const cycle = await visit(next, [...path, issue], seen);
      if (cycle) return cycle;
    }
    return null;
  };
  const seen = new Set<number>();
  for (const issue of start.dependsOn) {
    const cycle = await visit(issue, [start.issueNumber], seen);
    if (cycle) return cycle;
  }
  return null;
}

export async function currentBudgetTier(stage: StageContext): Promise<BudgetTier> {
  const { spentUsd, reservedUsd } = await stage.services.store.monthSpend(monthKey(stage.services.now()));
  return budgetTier(spentUsd, reservedUsd, stage.pipeline.limits);
}

/** True when a maintainer gave `/moose approve` (as opposed to the risk policy approving it automatically). */
export function maintainerApproved(workOrder: WorkOrder): boolean {
  return workOrder.metadata.approved_via === "command";
}

export async function manageWorkOrder(stage: StageContext, workOrder: WorkOrder): Promise<StageOutcome> {
  const { services, pipeline, octokit, repo } = stage;
  const { store } = services;
  const note = (text: string) => withProgress(workOrder, "manager", text, services.now());

  const dependencies = await checkDependencies(store, workOrder);
  if (dependencies.kind === "blocked") {
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "dependency",
      severity: "medium",
      message: `This work order cannot start: ${dependencies.reason}.`,
      options: [
        { command: "/moose retry", effect: "check the dependencies again (after fixing the issue's Depends on)" },
        { command: "/moose cancel", effect: "stop this work order" },
      ],
    });
    return { kind: "stopped", reason: "dependency blocked" };
  }
  if (dependencies.kind === "waiting") {
    const waitingOn = dependencies.on.map((n) => `#${n}`).join(", ");
    if (workOrder.metadata.waiting_on !== waitingOn) {
      await store.updateWorkOrder(workOrder.id, { metadata: { waiting_on: waitingOn, ...note(`waiting for ${waitingOn} to complete`) } });
      await refreshTrackingComment(services, octokit, repo, workOrder.id);
    }
    return { kind: "snooze", reason: `waiting on ${waitingOn}` };
  }

  const tier = await currentBudgetTier(stage);
  const complexity = scoreComplexity(workOrder);
  const hardStops = Array.isArray(workOrder.metadata.hard_stops) ? (workOrder.metadata.hard_stops as string[]) : [];
  const requestedModel = typeof workOrder.metadata.requested_model === "string" ? workOrder.metadata.requested_model : undefined;
  const route = routeWorkOrder({
    complexity: complexity.score,
    hardStop: hardStops,
    budgetTier: tier,
    catalog: pipeline.catalog,
    ...(requestedModel ? { requestedModel } : {}),
    availableProviders: availableProviders(pipeline.providers),
    maintainerApproved: maintainerApproved(workOrder),
    now: services.now(),
  });
  const reason = `complexity ${complexity.score.toFixed(2)}, budget ${tier}: ${route.reason}`;
  const decide = (decision: string) =>
    store.recordDecision({
      workOrderId: workOrder.id,
      agent: "manager",
      decision,
      reason,
      details: { complexity: complexity.score, factors: complexity.factors, budget_tier: tier, model: route.model?.id ?? null },
    });

  if (!route.model) {
    await decide("refused");
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: tier === "emergency" ? "budget" : "routing",
      severity: tier === "emergency" ? "critical" : "high",
      message: `No model can take this work order: ${route.reason}.`,
      options: tier === "emergency"
        ? [{ command: "/moose retry", effect: "try again (after the month ends or the operator raises MOOSE_BUDGET_EMERGENCY_USD)" }, RETRY_OPTIONS[2]!]
        : RETRY_OPTIONS,
    });
    return { kind: "stopped", reason: "no model" };
  }
  if (route.requiresApproval) {
    await decide("needs_approval");
    const held = await store.transitionWorkOrder({
      id: workOrder.id,
      from: ["approved"],
      to: "awaiting_approval",
      leaseOwner: services.workerId,
      patch: { metadata: { awaiting_reason: tier === "hard" ? "budget" : "hard_stop", ...note(reason) } },
    });
    if (held) await refreshTrackingComment(services, octokit, repo, workOrder.id);
    return { kind: "stopped", reason: "needs approval" };
  }

  const started = await store.startWorkOrder({
    id: workOrder.id,
    owner: services.workerId,
    model: route.model.id,
    globalLimit: pipeline.maxConcurrency,
    ...(route.model.max_concurrency !== undefined ? { modelLimit: route.model.max_concurrency } : {}),
    patch: {
      metadata: {
        model: route.model.id,
        aider_model: route.model.aider_model,
        complexity: complexity.score,
        routing_reason: reason,
        budget_tier: tier,
        waiting_on: null,
        ...note(`routed to ${route.model.id} (${reason})`),
      },
    },
  });
  if (started === "capacity") {
    // Said once per wait, not on every recheck: the decision log records when it actually starts.
    if (workOrder.metadata.waiting_on !== "capacity") {
      await store.updateWorkOrder(workOrder.id, { metadata: { waiting_on: "capacity", ...note(`waiting for capacity (${route.model.id})`) } });
      await refreshTrackingComment(services, octokit, repo, workOrder.id);
    }
    return { kind: "snooze", reason: "at capacity" };
  }
  if (!started) return { kind: "stopped", reason: "lease lost" };
  await decide("routed");
  await refreshTrackingComment(services, octokit, repo, started.id);
  return { kind: "advanced", workOrder: started };
}
