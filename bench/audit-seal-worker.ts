// A sealer in a process of its own, as the scheduled function is in AWS (its own connections and
// CPU time). Two modes, chosen by the parent's first message:
// - "run", "drain" and "skip": "run" is one run as the job makes it (it seals what is listed when it
//   starts); "drain" is the same, named for when nothing is stored meanwhile, so that it leaves
//   nothing pending; "skip" seals nothing (a control). Each answers "done" when it ends.
// - { schedule }: runs as the deployed job does, a run every SEAL_AUDIT_EVERY_MINUTES from the first,
//   each stopping new batches after SEAL_AUDIT_RUN_BUDGET_MS and writing digests, and tells the
//   parent when each batch of seals committed and which events it covers (a SealCommit), so the
//   parent observes every event's lag.
// Both end on "stop", answering with the durations of the runs.
import { sealPending, type SealRunOptions } from "@voxguard/core/audit-seal";
import { closeDb } from "@voxguard/core/db";
import { SEAL_AUDIT_EVERY_MINUTES, SEAL_AUDIT_RUN_BUDGET_MS } from "../functions/jobs/seal-audit-schedule.ts";

export interface ScheduleMessage {
  schedule: true;
}

export interface SealCommit {
  /** When the batch's transaction committed, ms since the epoch. */
  at: number;
  eventIds: string[];
}

export interface WorkerReport {
  durations: number[];
  /** Events sealed in all. */
  sealed: number;
  /** CPU time of this process (user + system) in its runs, ms: the sealer's own work, not the database's. */
  cpuMs: number;
}

let scheduled = false;
let stopping = false;
/** What the parent asked for last, until it is done. */
let asked: "run" | "skip" | undefined;
const durations: number[] = [];
let sealed = 0;
let cpuMs = 0;

// In a session of its own it would outlive a parent that died without saying "stop".
process.on("disconnect", () => process.exit(1));

let woken: () => void = () => undefined;
const nextMessage = () => new Promise<void>((resolve) => (woken = resolve));

process.on("message", (message: string | ScheduleMessage) => {
  if (message === "run" || message === "drain") asked = "run";
  if (message === "skip") asked = "skip";
  if (message === "stop") stopping = true;
  if (typeof message === "object" && message.schedule) scheduled = true;
  woken();
});

async function timed(options: SealRunOptions): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await sealPending(options);
  const used = process.cpuUsage(cpu);
  cpuMs += (used.user + used.system) / 1000;
  if (result.events > 0) durations.push(performance.now() - started);
  sealed += result.events;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

while (!stopping && !scheduled) {
  if (asked === undefined) {
    await nextMessage();
    continue;
  }
  if (asked === "run") await timed({});
  asked = undefined;
  process.send!("done");
}

if (scheduled) {
  // Fixed rate, as EventBridge fires: run n starts n intervals after the first (later only if run
  // n − 1 overran, which the budget prevents).
  const interval = SEAL_AUDIT_EVERY_MINUTES * 60_000;
  const first = Date.now();
  for (let run = 0; !stopping; run++) {
    const started = Date.now();
    await timed({
      publish: true,
      shouldStop: () => Date.now() - started > SEAL_AUDIT_RUN_BUDGET_MS,
      onSealed: (seals) => {
        process.send!({ at: Date.now(), eventIds: seals.flatMap((seal) => seal.eventIds) } satisfies SealCommit);
      },
    });
    while (!stopping && Date.now() < first + (run + 1) * interval) await pause(50);
  }
}

process.send!({ durations, sealed, cpuMs } satisfies WorkerReport);
await closeDb();
process.exit(0);
