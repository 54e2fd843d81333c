// Test-wide network policy: nothing leaves the machine except loopback, a mock nobody used fails the test, and so
// does a request no mock answered (even when the code under test caught the error and carried on).
import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

const unmatched: string[] = [];

function describeRequest(req: any): string {
  const url = req?.url ?? (req?.href ? String(req.href) : `${req?.protocol ?? ""}//${req?.host ?? req?.hostname ?? ""}${req?.path ?? ""}`);
  return `${req?.method ?? "?"} ${url}`;
}

nock.emitter.on("no match", (req: unknown) => {
  const described = describeRequest(req);
  if (/\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(described)) return;
  unmatched.push(described);
});

beforeEach(() => {
  unmatched.length = 0;
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});

afterEach(() => {
  const pending = nock.pendingMocks();
  const stray = [...unmatched];
  nock.cleanAll();
  expect(pending, "every nock mock must be used").toEqual([]);
  expect(stray, "every request must be answered by a mock").toEqual([]);
});
