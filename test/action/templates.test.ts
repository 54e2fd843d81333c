// The workflow template and action.yml agree with the inputs the app dispatches and follow the injection rules.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUT_NAMES } from "../../action/src/inputs.js";
import { REPO_ROOT } from "./sandbox.js";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  "run-name": string;
  on: { workflow_dispatch: { inputs: Record<string, { type: string }> } };
  concurrency: { group: string };
  permissions: Record<string, string>;
  jobs: Record<string, { "runs-on": string[]; steps: Step[] }>;
}

const workflowText = readFileSync(join(REPO_ROOT, "action/templates/workflows/moose.yml"), "utf8");
const workflow = parse(workflowText) as Workflow;
const action = parse(readFileSync(join(REPO_ROOT, "action/action.yml"), "utf8")) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

describe("workflow template", () => {
  it("declares exactly the dispatch inputs, at most 25, all strings", () => {
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs).sort()).toEqual([...INPUT_NAMES].sort());
    expect(Object.keys(inputs).length).toBeLessThanOrEqual(25);
    expect(Object.values(inputs).every((i) => i.type === "string")).toBe(true);
  });

  it("passes every input through with: and never expands ${{ }} in a run: script", () => {
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const moose = steps.find((s) => s.uses?.includes("/action@"));
    for (const name of INPUT_NAMES) expect(moose?.with?.[name]).toBe(`\${{ inputs.${name} }}`);
    expect(steps.filter((s) => s.run !== undefined && s.run.includes("${{"))).toEqual([]);
    expect(steps.every((s) => s.uses === undefined || /@[0-9a-f]{40}$|moose\/action@/.test(s.uses))).toBe(true);
  });

  it("runs on the moose runner, per work order, with minimal permissions and no persisted credentials", () => {
    const job = Object.values(workflow.jobs)[0];
    expect(job?.["runs-on"]).toEqual(["self-hosted", "moose"]);
    // The app finds a run whose dispatch reply was lost by this display_title.
    expect(workflow["run-name"]).toBe("Moose WO ${{ inputs.work-order-id }} attempt ${{ inputs.attempt }}");
    expect(workflow.concurrency.group).toContain("${{ inputs.work-order-id }}");
    expect(workflow.permissions).toEqual({ contents: "write" });
    const checkout = job?.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with).toMatchObject({ "persist-credentials": false, "fetch-depth": 0 });
  });
});

describe("action.yml", () => {
  it("runs the committed bundle on node24 and declares the inputs and outputs of the contract", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES, "github-token"].sort());
    expect(Object.keys(action.outputs).sort()).toEqual(
      ["result", "reason", "commit", "work-ref", "changed-files", "aider-cost-usd", "aider-version"].sort(),
    );
  });
});
