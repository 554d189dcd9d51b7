import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** A process to count: the program, its arguments and its whole environment. */
export interface Command {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
}

/**
 * V8 seeds its string hashes at start with a random prime it finds by trial (a Miller–Rabin search
 * under this function): millions of instructions (6 to 11 seen) that differ from one process to
 * the next, as much as one route's whole difference from another. Its inclusive count is taken out.
 */
const RANDOM_AT_START = "v8::internal::HashSeed::InitializeRoots";

/** valgrind (with callgrind and callgrind_annotate) is installed. */
export function canCountInstructions(): boolean {
  // callgrind_annotate prints its version and exits with 255: that it ran at all is the answer.
  const runs = (command: string) => !spawnSync(command, ["--version"], { encoding: "utf8" }).error;
  return runs("valgrind") && runs("callgrind_annotate");
}

const run = promisify(execFile);
/** callgrind_annotate prints a line a function: more than execFile's default 1 MB for a whole node. */
const MAX_OUTPUT = 256 * 1024 * 1024;

const count = (text: string) => Number(text.replaceAll(",", ""));

/**
 * Instructions the process executes, every thread, counted by valgrind's callgrind, less the hash
 * seed's search (above). Unlike time, the count does not depend on what else the machine runs.
 * It still has two values for the same binary and bundle, ~8 million instructions apart and each
 * repeatable to ~0.2 %: most likely a scavenge V8 posts as a task, which runs before the import
 * ends or not depending on timing. A difference of that size between two rows is no difference.
 */
async function countOne(command: Command, scratch: string, id: number): Promise<number> {
  const out = join(scratch, `callgrind.${id}`);
  // callgrind reports the total on stderr; a failed run (its exit code is the program's) throws.
  const counted = await run(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, command.file, ...command.args],
    { env: command.env, maxBuffer: MAX_OUTPUT },
  );
  const total = /Collected : (\d+)/.exec(counted.stderr)?.[1];
  if (total === undefined) throw new Error(`callgrind reported no total: ${counted.stderr}`);
  const annotated = await run("callgrind_annotate", ["--inclusive=yes", "--threshold=100", out], {
    maxBuffer: MAX_OUTPUT,
  });
  const line = annotated.stdout.split("\n").find((text) => text.includes(RANDOM_AT_START));
  const random = line ? count(/^\s*([\d,]+)/.exec(line)?.[1] ?? "0") : 0;
  return count(total) - random;
}

/** Counts every command, as many at once as the machine has cores (callgrind itself runs on one). */
export async function countInstructions<K>(commands: ReadonlyMap<K, Command>): Promise<Map<K, number>> {
  const scratch = mkdtempSync(join(tmpdir(), "voxguard-instructions-"));
  try {
    const queue = [...commands.entries()].map(([key, command], id) => ({ key, command, id }));
    const counts = new Map<K, number>();
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        counts.set(next.key, await countOne(next.command, scratch, next.id));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
    return counts;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
