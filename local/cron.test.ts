import type { ScheduledEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { scheduledEvent, startCron } from "./cron.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    expect(event.resources).toEqual([expect.stringMatching(/^arn:aws:events:[a-z0-9-]+:\d{12}:rule\/cleanup-sessions$/)]);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("skips ticks while a run is in progress and waits for it on stop", async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const events: ScheduledEvent[] = [];
    let finished = false;
    const cron = startCron({
      name: "test-rule",
      intervalMs: 10,
      handler: async (event) => {
        events.push(event);
        await blocked;
        finished = true;
      },
    });
    await sleep(100);
    expect(events).toHaveLength(1);
    const stopped = cron.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(events[0]!["detail-type"]).toBe("Scheduled Event");
  });

  it("keeps its schedule after a run that threw", async () => {
    let runs = 0;
    const cron = startCron({
      name: "failing-rule",
      intervalMs: 10,
      handler: async () => {
        runs++;
        throw new Error("job failed");
      },
    });
    while (runs < 3) await sleep(10);
    await cron.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});
