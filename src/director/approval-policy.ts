// The Director's pure decision: may a new work order run on its own, or does it wait for `/moose approve`?
import type { RiskLevel } from "../store/store.js";

export type ApprovalMode = "auto" | "manual";

export interface ApprovalInput {
  riskLevel: RiskLevel;
  /** Hard-stop keywords found in the work order's text. */
  hardStops: readonly string[];
  policy: Readonly<Record<RiskLevel, ApprovalMode>>;
}

export interface ApprovalDecision {
  status: "approved" | "awaiting_approval";
  reason: string;
}

export function decideApproval({ riskLevel, hardStops, policy }: ApprovalInput): ApprovalDecision {
  if (hardStops.length > 0) {
    return {
      status: "awaiting_approval",
      reason: `hard-stop keywords found (${hardStops.join(", ")}): a maintainer must approve`,
    };
  }
  if (policy[riskLevel] === "manual") {
    return { status: "awaiting_approval", reason: `${riskLevel} risk needs a maintainer's approval` };
  }
  return { status: "approved", reason: `${riskLevel} risk is auto-approved by policy` };
}
