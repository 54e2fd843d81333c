// The long-lived collaborators every agent needs, created once at start-up and passed down explicitly.
import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import type { Store } from "../store/store.js";

export interface MooseServices {
  store: Store;
  log: Logger;
  /** Identifies this process as a lease owner; unique per running instance. */
  workerId: string;
  leaseMs: number;
  now: () => Date;
  /** An installation-authenticated Octokit (Probot's, with retry and throttling). */
  octokitFor: (installationId: number) => Promise<ProbotOctokit>;
  /** The App-authenticated (JWT) Octokit, for listing installations. */
  appOctokit: () => Promise<ProbotOctokit>;
  /** Moose's own App id, so its own check runs never count in a verdict; null when unknown (setup, tests). */
  appId: number | null;
}

/** Raised when another process holds the work order's lease; the event is retried after a back-off. */
export class WorkOrderBusyError extends Error {
  constructor(workOrderId: string) {
    super(`work order ${workOrderId} is leased by another worker`);
    this.name = "WorkOrderBusyError";
  }
}
