// What every work-order stage receives: the services, the pipeline's configuration, and the repository it acts on.
import type { ProbotOctokit } from "probot";
import type { RepoConfig } from "../config/repo-config.js";
import type { RepoRef } from "../github/permissions.js";
import type { BudgetLimits } from "../manager/budget.js";
import type { ModelCatalog } from "../manager/model-catalog.js";
import type { ProviderClients } from "../proposer/providers.js";
import type { Project, WorkOrder } from "../store/store.js";
import type { MooseServices } from "./services.js";

export interface PipelineConfig {
  catalog: ModelCatalog;
  limits: BudgetLimits;
  providers: ProviderClients;
  /** Work orders in flight at once across every instance. */
  maxConcurrency: number;
  /** How long a work order waiting on capacity or a dependency sleeps before it is looked at again. */
  recheckMs: number;
  /** Aider's wall-clock limit on the runner. */
  runnerTimeoutMinutes: number;
}

export interface StageContext {
  services: MooseServices;
  pipeline: PipelineConfig;
  octokit: ProbotOctokit;
  repo: RepoRef;
  project: Project;
  config: RepoConfig;
}

/**
 * What a stage did: moved the work order on (the pipeline runs the next stage at once), asked to be looked at again
 * later (capacity, dependencies, a run not visible yet), or stopped (waiting for a human or the runner, or ended).
 */
export type StageOutcome =
  | { kind: "advanced"; workOrder: WorkOrder }
  | { kind: "snooze"; reason: string }
  | { kind: "stopped"; reason: string };

/** Metadata that belongs to one attempt; a new attempt (retry or auto-fix) starts with it cleared. */
export const FRESH_ATTEMPT = {
  dispatch: null,
  run_conclusion: null,
  run_url: null,
  fix_digest: null,
  waiting_on: null,
  stage_failures: 0,
} as const;
