// The learning data: one outcome_vectors row per finished attempt, with that attempt's own cost and duration.
import type { MooseServices } from "./services.js";
import type { WorkOrder } from "../store/store.js";

/**
 * Records how an attempt ended. Cost is what this attempt spent (its proposal calls and its Aider session, as
 * recorded in cost_tracking); duration runs from its dispatch to now. Both are null when unknown, never 0.
 */
export async function recordAttemptOutcome(
  services: MooseServices,
  workOrder: WorkOrder,
  success: boolean,
  details: Record<string, unknown>,
): Promise<void> {
  const costs = (await services.store.listCosts(workOrder.id)).filter((cost) => cost.attempt === workOrder.attempt);
  const known = costs.filter((cost) => cost.costUsd !== null);
  const dispatchedAt = Date.parse(String((workOrder.metadata.dispatch as { at?: unknown } | null)?.at ?? ""));
  await services.store.recordOutcome({
    workOrderId: workOrder.id,
    attempt: workOrder.attempt,
    model: typeof workOrder.metadata.model === "string" ? workOrder.metadata.model : null,
    complexity: typeof workOrder.metadata.complexity === "number" ? workOrder.metadata.complexity : null,
    success,
    costUsd: known.length > 0 ? known.reduce((sum, cost) => sum + (cost.costUsd ?? 0), 0) : null,
    durationMs: Number.isNaN(dispatchedAt) ? null : services.now().getTime() - dispatchedAt,
    details,
  });
}
