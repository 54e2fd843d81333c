// The result contract: outputs, the summary block and the annotation stay parseable whatever the paths contain.
import { describe, expect, it } from "vitest";
import type { ReportSink, RunReport } from "../../action/src/report.js";
import { publishReport, resultOutputs, summaryMarkdown } from "../../action/src/report.js";

const report: RunReport = {
  result: "failed",
  reason: "refused changes: evil-->\n::error::x (outside the files in scope)",
  workOrderId: "1234abcd-5678-4ef0-9abc-def012345678",
  attempt: 1,
  branch: "feature/wo-1234abcd-x",
  commit: "",
  workRef: "",
  changedFiles: ["evil-->\n<!--", "ok.ts"],
  refusedFiles: ["evil-->\n<!--"],
  aiderCostUsd: null,
  aiderVersion: "0.86.2",
};

describe("report", () => {
  it("writes outputs with unknown cost as empty and reason on one line", () => {
    const outputs = resultOutputs(report);
    expect(outputs["aider-cost-usd"]).toBe("");
    expect(outputs.reason).not.toContain("\n");
    expect(JSON.parse(outputs["changed-files"] ?? "")).toEqual(report.changedFiles);
  });

  it("embeds a JSON block that a hostile path cannot close early", () => {
    const markdown = summaryMarkdown(report);
    const block = /<!-- moose-result\n(.*)\n-->/.exec(markdown)?.[1] ?? "";
    expect(JSON.parse(block)).toMatchObject({ result: "failed", changedFiles: report.changedFiles, aiderCostUsd: null });
    expect(markdown.match(/-->/g)).toHaveLength(1);
  });

  it("fails the step for anything but success and annotates the result", async () => {
    const calls: string[] = [];
    const sink: ReportSink = {
      setOutput: (name) => calls.push(`output:${name}`),
      appendSummary: async () => void calls.push("summary"),
      notice: (_message, title) => calls.push(`notice:${title}`),
      fail: (message) => calls.push(`fail:${message.split(":")[1]?.trim()}`),
      info: (line) => calls.push(`info:${line.slice(0, 13)}`),
    };
    await publishReport(report, sink);
    expect(calls).toContain("notice:moose-result");
    expect(calls).toContain("info:moose-result:");
    expect(calls).toContain("fail:failed");
    calls.length = 0;
    await publishReport({ ...report, result: "success" }, sink);
    expect(calls.some((c) => c.startsWith("fail:"))).toBe(false);
  });
});
