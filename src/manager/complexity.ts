// Owns the Manager's complexity score: how hard a work order looks, as a number in [0, 1] with its parts shown.
import type { RiskLevel } from "../store/store.js";

export interface ComplexityInput {
  acceptanceCriteria: readonly string[];
  filesInScope: readonly string[];
  riskLevel: RiskLevel;
  description: string;
}

export interface ComplexityScore {
  /** Sum of `factors`, rounded to 3 decimals, in [0, 1]. */
  score: number;
  /** Each factor's weighted contribution, so the decision log can say why. */
  factors: Record<"files_in_scope" | "acceptance_criteria" | "risk" | "description", number>;
}

export const COMPLEXITY_WEIGHTS = {
  files_in_scope: 0.35,
  acceptance_criteria: 0.25,
  risk: 0.25,
  description: 0.15,
} as const;

const FILES_AT_MAX = 8;
const CRITERIA_AT_MAX = 8;
const DESCRIPTION_CHARS_AT_MAX = 4000;
const RISK_LEVEL: Record<RiskLevel, number> = { low: 0, medium: 0.5, high: 1 };
/** No files named means the model has to find them itself: as hard as a half-full scope. */
const UNKNOWN_SCOPE = 0.5;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * score = 0.35·files + 0.25·criteria + 0.25·risk + 0.15·description, each part in [0, 1]:
 * - files       = min(files in scope / 8, 1); 0.5 when none are named (scope unknown)
 * - criteria    = min(acceptance criteria / 8, 1)
 * - risk        = low 0, medium 0.5, high 1
 * - description = min(description characters / 4000, 1)
 * Files weigh most because the proposal and the Aider run both scale with the code they must read and change.
 */
export function scoreComplexity(wo: ComplexityInput): ComplexityScore {
  const files = wo.filesInScope.length === 0 ? UNKNOWN_SCOPE : Math.min(wo.filesInScope.length / FILES_AT_MAX, 1);
  const criteria = Math.min(wo.acceptanceCriteria.length / CRITERIA_AT_MAX, 1);
  const description = Math.min(wo.description.trim().length / DESCRIPTION_CHARS_AT_MAX, 1);
  const factors = {
    files_in_scope: round3(COMPLEXITY_WEIGHTS.files_in_scope * files),
    acceptance_criteria: round3(COMPLEXITY_WEIGHTS.acceptance_criteria * criteria),
    risk: round3(COMPLEXITY_WEIGHTS.risk * RISK_LEVEL[wo.riskLevel]),
    description: round3(COMPLEXITY_WEIGHTS.description * description),
  };
  const score = round3(Math.min(1, Object.values(factors).reduce((a, b) => a + b, 0)));
  return { score, factors };
}
