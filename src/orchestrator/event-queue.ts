// Works through recorded webhook deliveries: each is leased, handled once, and retried if handling failed.
import type { GithubEvent } from "../store/store.js";
import type { MooseServices } from "./services.js";
import type { WorkerJob } from "./worker.js";

export type EventHandler = (event: GithubEvent) => Promise<string>;

/** How many times a delivery is tried before it is closed as failed (it stays in `github_events` for audit). */
export const MAX_EVENT_ATTEMPTS = 5;
/** One at a time: each event's lease is then fresh when its handling starts, however slow the one before was. */
const BATCH_SIZE = 1;

export function createEventJob(services: MooseServices, handle: EventHandler): WorkerJob {
  return async () => {
    const events = await services.store.claimEvents(services.workerId, BATCH_SIZE, services.leaseMs);
    for (const event of events) {
      const log = services.log.child({ delivery: event.deliveryId, event: eventName(event), repo: event.repoFullName });
      const started = Date.now();
      try {
        const outcome = await handle(event);
        await services.store.completeEvent(event.deliveryId, outcome);
        log.info({ outcome, durationMs: Date.now() - started }, "event handled");
      } catch (error) {
        await services.store.failEvent(event.deliveryId, describeError(error), MAX_EVENT_ATTEMPTS, retryDelayMs(event.attempts));
        log.warn({ err: error, attempt: event.attempts, durationMs: Date.now() - started }, "event failed; will retry");
      }
    }
    return events.length > 0;
  };
}

/**
 * Back-off before a failed event's next try: 5 s, 10 s, 20 s, 40 s. A GitHub blip or a work order leased by another
 * instance has time to pass, and one pass of the worker never burns every attempt at once.
 */
export function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

export function eventName(event: Pick<GithubEvent, "name" | "action">): string {
  return event.action ? `${event.name}.${event.action}` : event.name;
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 1_000);
}
