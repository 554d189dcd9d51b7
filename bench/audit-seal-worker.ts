// A sealer in a process of its own, as the scheduled function is in AWS (its own connections and
// CPU time): seals whatever is pending, again and again, while the parent says so.
import { sealPending } from "@voxguard/core/audit-seal";
import { closeDb } from "@voxguard/core/db";

let sealing = false;
let stopping = false;
const durations: number[] = [];

process.on("message", (message: string) => {
  if (message === "start") sealing = true;
  if (message === "pause") sealing = false;
  if (message === "stop") stopping = true;
});

while (!stopping) {
  if (sealing) {
    const started = performance.now();
    const result = await sealPending();
    if (result.events > 0) durations.push(performance.now() - started);
  }
  await new Promise((resolve) => setTimeout(resolve, sealing ? 1_000 : 50));
}
process.send!({ durations });
await closeDb();
process.exit(0);
