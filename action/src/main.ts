// Owns the action's entry point: translate INPUT_* into a work order run and publish the report through @actions/core.
import { randomUUID } from "node:crypto";
import * as core from "@actions/core";
import { INPUT_NAMES, InputError, parseInputs } from "./inputs.js";
import type { RawInputs } from "./inputs.js";
import { emptyReport, runWorkOrder } from "./run.js";
import { publishReport } from "./report.js";
import type { RunReport } from "./report.js";

/**
 * Echoes Aider's untrusted output with workflow commands switched off (an LLM could otherwise print `::error`,
 * `::add-mask` or fake outputs) and every line prefixed, so no echoed line can pass for Moose's own result line.
 */
function aiderEcho(write: (text: string) => void) {
  const stopToken = randomUUID();
  let atLineStart = true;
  let started = false;
  return {
    chunk(text: string) {
      if (!started) {
        write(`::stop-commands::${stopToken}\n`);
        started = true;
      }
      let out = "";
      for (const ch of text) {
        if (atLineStart) out += "aider| ";
        out += ch;
        atLineStart = ch === "\n";
      }
      write(out);
    },
    end() {
      if (!started) return;
      write(`${atLineStart ? "" : "\n"}::${stopToken}::\n`);
    },
  };
}

async function main(): Promise<void> {
  const token = core.getInput("github-token");
  if (token) core.setSecret(token);
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, core.getInput(name)])) as RawInputs;
  const echo = aiderEcho((text) => process.stdout.write(text));

  let report: RunReport;
  try {
    const inputs = parseInputs(raw);
    report = await runWorkOrder(inputs, {
      cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
      env: process.env,
      githubToken: token,
      log: (line) => core.info(line),
      aiderOutput: (text) => echo.chunk(text),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    report = { ...emptyReport(null), reason: `invalid inputs: ${error.message}` };
  } finally {
    echo.end();
  }

  await publishReport(report, {
    setOutput: (name, value) => core.setOutput(name, value),
    appendSummary: async (markdown) => {
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
    },
    notice: (message, title) => core.notice(message, { title }),
    fail: (message) => core.setFailed(message),
    info: (line) => core.info(line),
  });
}

main().catch((error: unknown) => {
  core.setFailed(`Moose action crashed: ${(error as Error).message}`);
});
