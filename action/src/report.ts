// Owns the result contract the app reads back: step outputs, the step summary block, the annotation and the log line.
import type { Outcome } from "./judge.js";
import { singleLine } from "./judge.js";

export interface RunReport {
  result: Outcome;
  reason: string;
  workOrderId: string | null;
  attempt: number | null;
  branch: string | null;
  /** The pushed commit; empty unless result is success. */
  commit: string;
  workRef: string;
  changedFiles: string[];
  refusedFiles: string[];
  /** null = unknown (never 0 for unknown). */
  aiderCostUsd: number | null;
  aiderVersion: string;
}

export const SUMMARY_OPEN = "<!-- moose-result";
export const SUMMARY_CLOSE = "-->";
export const LOG_PREFIX = "moose-result: ";
export const ANNOTATION_TITLE = "moose-result";
const ANNOTATION_FILES = 100;

/** JSON that cannot close the summary's HTML comment, whatever the paths contain. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
}

function payload(report: RunReport, fileLimit = Infinity) {
  return {
    version: 1,
    result: report.result,
    reason: singleLine(report.reason),
    workOrderId: report.workOrderId,
    attempt: report.attempt,
    branch: report.branch,
    commit: report.commit || null,
    workRef: report.workRef || null,
    changedFiles: report.changedFiles.slice(0, fileLimit),
    changedFilesTotal: report.changedFiles.length,
    refusedFiles: report.refusedFiles.slice(0, fileLimit),
    aiderCostUsd: report.aiderCostUsd,
    aiderVersion: report.aiderVersion || null,
  };
}

export function resultOutputs(report: RunReport): Record<string, string> {
  return {
    result: report.result,
    reason: singleLine(report.reason),
    commit: report.commit,
    "work-ref": report.workRef,
    "changed-files": JSON.stringify(report.changedFiles),
    "aider-cost-usd": report.aiderCostUsd === null ? "" : String(report.aiderCostUsd),
    "aider-version": report.aiderVersion,
  };
}

export function summaryMarkdown(report: RunReport): string {
  const cost = report.aiderCostUsd === null ? "unknown" : `$${report.aiderCostUsd}`;
  const code = (s: string) => `\`${s.replace(/[`|\r\n]/g, "_")}\``;
  const lines = [
    `### Moose work order ${report.workOrderId ?? "(invalid)"} · attempt ${report.attempt ?? "?"}`,
    "",
    "| | |",
    "|---|---|",
    `| Result | **${report.result}** |`,
    `| Reason | ${singleLine(report.reason).replace(/[|`<>]/g, "_")} |`,
    `| Commit | ${report.commit ? code(report.commit) : "none"} |`,
    `| Work ref | ${report.workRef ? code(report.workRef) : "none"} |`,
    `| Changed files | ${report.changedFiles.length} |`,
    `| Aider cost | ${cost} |`,
    "",
    SUMMARY_OPEN,
    safeJson(payload(report)),
    SUMMARY_CLOSE,
    "",
  ];
  return lines.join("\n");
}

export function resultLogLine(report: RunReport): string {
  return `${LOG_PREFIX}${safeJson(payload(report))}`;
}

export function annotationMessage(report: RunReport): string {
  return safeJson(payload(report, ANNOTATION_FILES));
}

/** Where a report goes; main.ts binds it to @actions/core. */
export interface ReportSink {
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): Promise<void>;
  notice(message: string, title: string): void;
  fail(message: string): void;
  info(line: string): void;
}

export async function publishReport(report: RunReport, sink: ReportSink): Promise<void> {
  for (const [name, value] of Object.entries(resultOutputs(report))) sink.setOutput(name, value);
  sink.info(resultLogLine(report));
  sink.notice(annotationMessage(report), ANNOTATION_TITLE);
  await sink.appendSummary(summaryMarkdown(report));
  if (report.result !== "success") sink.fail(`Moose: ${report.result}: ${singleLine(report.reason)}`);
}
