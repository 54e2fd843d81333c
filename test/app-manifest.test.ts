// `npm start` without credentials: Probot's setup mode serves the registration page with Moose's manifest.
import { readFileSync } from "node:fs";
import { run, type Server } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import mooseApp from "../src/index.js";

const EXPECTED_PERMISSIONS = {
  issues: "write",
  pull_requests: "write",
  contents: "write",
  actions: "write",
  checks: "read",
  statuses: "read",
  metadata: "read",
};

describe("app.yml and the registration page", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("asks for exactly the permissions Moose needs, never workflows", () => {
    const manifest = parse(readFileSync(new URL("../app.yml", import.meta.url), "utf8"));
    expect(manifest.name).toBe("Moose");
    expect(manifest.default_permissions).toEqual(EXPECTED_PERMISSIONS);
    expect(manifest.default_permissions).not.toHaveProperty("workflows");
    expect(manifest.default_events).toEqual(["issues", "issue_comment", "pull_request", "workflow_run", "check_run", "check_suite", "status"]);
  });

  it("serves the registration page with that manifest when there are no credentials", async () => {
    const port = 39_000 + Math.floor(Math.random() * 1_000);
    // Setup mode reads this from the process environment, not from run()'s env: without it, it asks smee.io.
    vi.stubEnv("NO_SMEE_SETUP", "true");
    server = await run(mooseApp, { env: { PORT: String(port), NO_SMEE_SETUP: "true", LOG_LEVEL: "silent" } });
    const page = await (await fetch(`http://localhost:${port}/probot`)).text();
    expect(page).toContain("Register GitHub App");
    const value = /name="manifest"[^>]*value='([^']*)'/.exec(page)?.[1];
    const manifest = JSON.parse((value ?? "").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
    expect(manifest).toMatchObject({ name: "Moose", public: false, default_permissions: EXPECTED_PERMISSIONS });
    expect(manifest.redirect_url).toBe(`http://localhost:${port}/probot/setup`);
  });
});
