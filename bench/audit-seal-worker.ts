// A sealer in a process of its own, as the scheduled function is in AWS (its own connections and
// CPU time): seals whatever is pending, again and again, while the parent says so. On "pause" it
// stops at the next batch and answers "idle", so a round measured without it really is without it.
import { sealPending } from "@voxguard/core/audit-seal";
import { closeDb } from "@voxguard/core/db";

let sealing = false;
let stopping = false;
let busy = false;
const durations: number[] = [];

process.on("message", (message: string) => {
  if (message === "start") sealing = true;
  if (message === "pause") {
    sealing = false;
    if (!busy) process.send!("idle");
  }
  if (message === "stop") stopping = true;
});

while (!stopping) {
  if (sealing) {
    busy = true;
    const started = performance.now();
    const result = await sealPending({ shouldStop: () => !sealing || stopping });
    if (result.events > 0) durations.push(performance.now() - started);
    busy = false;
    if (!sealing) process.send!("idle");
  }
  await new Promise((resolve) => setTimeout(resolve, sealing ? 1_000 : 20));
}
process.send!({ durations });
await closeDb();
process.exit(0);
