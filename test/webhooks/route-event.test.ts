// Which deliveries Moose records and how they are keyed: unrecorded events cost nothing, bots are dropped before
// any API call, and a comment is keyed by its own id so a redelivery under a new delivery id is a duplicate.
import { describe, expect, it } from "vitest";
import { eventKey } from "../../src/index.js";
import { loadWebhookFixture } from "../helpers/github-app.js";
import { checkRunPayload, loopScenario, sha, sqlRows } from "../helpers/loop-scenario.js";

describe("eventKey", () => {
  it("keys a comment by its id and action, everything else by the delivery id", () => {
    const comment = loadWebhookFixture("issue_comment.created");
    expect(eventKey("d-1", "issue_comment", comment)).toBe(`issue_comment:${comment.comment.id}:created`);
    expect(eventKey("d-2", "issue_comment", comment)).toBe(eventKey("d-1", "issue_comment", comment));
    expect(eventKey("d-3", "issues", loadWebhookFixture("issues.labeled"))).toBe("d-3");
  });
});

describe("recording deliveries", () => {
  it("stores nothing and calls nothing for events Moose does not handle", async () => {
    const s = await loopScenario();
    const created = checkRunPayload(sha(1));
    created.action = "created";
    await s.moose.deliver("check_run", created);
    const opened = loadWebhookFixture("pull_request.closed");
    opened.action = "opened";
    await s.moose.deliver("pull_request", opened);

    expect(await sqlRows(s, "select delivery_id from github_events")).toEqual([]);
    expect(s.github.requests).toEqual([]);
  });

  it("records a bot's label event but drops it before any API call", async () => {
    const s = await loopScenario();
    const labeled = loadWebhookFixture("issues.labeled");
    labeled.sender = { ...labeled.sender, login: "renovate[bot]", type: "Bot" };

    await s.moose.deliver("issues", labeled, "delivery-bot");

    expect(await sqlRows(s, "select delivery_id, outcome from github_events")).toEqual([{ delivery_id: "delivery-bot", outcome: "ignored: bot sender" }]);
    expect(s.github.requests).toEqual([]);
  });
});
