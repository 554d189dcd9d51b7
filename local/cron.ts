import { randomUUID } from "node:crypto";
import type { Context, ScheduledEvent } from "aws-lambda";
import { log } from "@voxguard/core/log";
import { createContext, LOCAL_ACCOUNT_ID, localRegion } from "./lambda-context.ts";

export type ScheduledHandler = (event: ScheduledEvent, context: Context) => unknown;

export interface CronOptions {
  handler: ScheduledHandler;
  intervalMs: number;
  /** The EventBridge rule's name, as it appears in the event's resources. */
  name: string;
  functionName?: string;
  timeoutMs?: number;
  /** EventBridge fires a rate() rule first one interval after it is created; dev may want it at once. */
  runOnStart?: boolean;
  /** What fires the ticks: Node's timers unless a test drives them itself. */
  timer?: Timer;
}

export interface Timer {
  /** `tick` answers the run it started, or undefined when it skipped. */
  setInterval(tick: () => Promise<void> | undefined, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const NODE_TIMER: Timer = {
  setInterval: (tick, ms) => setInterval(tick, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface Cron {
  /** Resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/** The event an EventBridge schedule rule delivers: "Scheduled Event" from aws.events. */
export function scheduledEvent(ruleName: string, now = new Date()): ScheduledEvent {
  const region = localRegion();
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT_ID,
    // EventBridge stamps whole seconds.
    time: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}

/** Runs a scheduled handler every `intervalMs`; a tick that finds the previous run still going is skipped. */
export function startCron(options: CronOptions): Cron {
  const functionName = options.functionName ?? `voxguard-${options.name}`;
  let running: Promise<void> | undefined;

  const tick = (): Promise<void> | undefined => {
    if (running) {
      log.warn("scheduled run skipped: the previous one is still running", { rule: options.name });
      return undefined;
    }
    const context = createContext({ functionName, timeoutMs: options.timeoutMs ?? 60_000 });
    running = Promise.resolve()
      .then(() => options.handler(scheduledEvent(options.name), context))
      .then(
        () => undefined,
        (error: unknown) => log.error("scheduled run failed", { rule: options.name, error: error as Error }),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = options.timer ?? NODE_TIMER;
  const handle = timer.setInterval(tick, options.intervalMs);
  if (options.runOnStart) void tick();

  return {
    async stop() {
      timer.clearInterval(handle);
      await running;
    },
  };
}
