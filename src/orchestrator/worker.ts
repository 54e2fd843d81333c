// The durable worker loop: runs queued jobs until none has work, on wake-ups and on a periodic sweep.
import type { Logger } from "pino";

/** One kind of queued work. Returns true when it did something, so the loop knows to look again. */
export type WorkerJob = () => Promise<boolean>;

export interface WorkerOptions {
  jobs: readonly WorkerJob[];
  sweepIntervalMs: number;
  log: Logger;
}

/** A safety stop for `drain`: a job that always reports work (a bug) must not hang a test or a shutdown. */
const MAX_DRAIN_ROUNDS = 1_000;

export class Worker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: WorkerOptions) {}

  /** Starts the periodic sweep (which also picks up work whose wake-up was lost, e.g. after a restart). */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.sweepIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Asks for a pass soon; wake-ups during a pass coalesce into one more pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Runs passes until no job has work left; resolves when the queue is empty (used by tests and shutdown). */
  async drain(): Promise<void> {
    if (this.running) await this.running;
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      if (!(await this.pass())) return;
    }
    this.options.log.error({ rounds: MAX_DRAIN_ROUNDS }, "worker drain gave up: jobs kept reporting work");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      let rounds = 0;
      while (!this.stopped && (await this.pass()) && ++rounds < MAX_DRAIN_ROUNDS);
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<boolean> {
    let didWork = false;
    for (const job of this.options.jobs) {
      try {
        if (await job()) didWork = true;
      } catch (error) {
        // A job's own failures are recorded by the job; reaching here means the store itself failed.
        this.options.log.error({ err: error }, "worker job failed");
      }
    }
    return didWork;
  }
}
