import type { ScheduledEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { scheduledEvent, startCron, type Timer } from "./cron.ts";

/** Ticks when the test says so: `fire()` answers the run the tick started (undefined: skipped). */
function manualTimer(): Timer & { fire(): Promise<void> | undefined; cleared: boolean } {
  let tick: (() => Promise<void> | undefined) | undefined;
  const timer = {
    cleared: false,
    setInterval(fn: () => Promise<void> | undefined) {
      tick = fn;
      return "handle";
    },
    clearInterval(handle: unknown) {
      expect(handle).toBe("handle");
      timer.cleared = true;
    },
    fire() {
      if (!tick || timer.cleared) throw new Error("no schedule running");
      return tick();
    },
  };
  return timer;
}

describe("startCron", () => {
  it("delivers EventBridge's Scheduled Event", () => {
    const event = scheduledEvent("cleanup-sessions", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)));
    expect(event).toMatchObject({
      version: "0",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      time: "2024-01-02T03:04:05Z",
      detail: {},
    });
    expect(event.resources).toEqual([
      expect.stringMatching(/^arn:aws:events:[a-z0-9-]+:\d{12}:rule\/cleanup-sessions$/),
    ]);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("skips ticks while a run is in progress and waits for it on stop", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const events: ScheduledEvent[] = [];
    let finished = false;
    const timer = manualTimer();
    const cron = startCron({
      name: "test-rule",
      intervalMs: 60_000,
      timer,
      handler: async (event) => {
        events.push(event);
        started();
        await blocked;
        finished = true;
      },
    });
    expect(timer.fire()).toBeInstanceOf(Promise);
    await running;
    expect(timer.fire()).toBeUndefined();
    expect(timer.fire()).toBeUndefined();
    expect(events).toHaveLength(1);

    let stoppedAfter: boolean | undefined;
    const stopped = cron.stop().then(() => (stoppedAfter = finished));
    expect(timer.cleared).toBe(true);
    release();
    await stopped;
    // stop() resolved only once the run in progress had finished.
    expect(stoppedAfter).toBe(true);
    expect(events[0]!["detail-type"]).toBe("Scheduled Event");
  });

  it("keeps its schedule after a run that threw", async () => {
    let runs = 0;
    const timer = manualTimer();
    const cron = startCron({
      name: "failing-rule",
      intervalMs: 60_000,
      timer,
      handler: async () => {
        runs++;
        throw new Error("job failed");
      },
    });
    // Each tick after a failed run starts a run of its own: none is skipped as still running.
    for (let tick = 1; tick <= 3; tick++) {
      await expect(timer.fire()).resolves.toBeUndefined();
      expect(runs).toBe(tick);
    }
    await cron.stop();
  });
});
