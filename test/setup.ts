// Test-wide network policy: nothing leaves the machine except loopback, and a mock nobody used fails the test.
import nock from "nock";
import { afterEach, beforeEach, expect } from "vitest";

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "every nock mock must be used").toEqual([]);
});
