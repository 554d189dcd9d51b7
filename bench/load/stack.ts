// The stack under load, in a child process (bench/load-server.ts), and its audit queue.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { queueDepth } from "../../test-support/queue-depth.ts";
import { DRAIN_LIMIT_MS, rootDir } from "./settings.ts";

export { queueDepth };

export interface StackInfo {
  url: string;
  endpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

export async function startStack(
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<{ child: ChildProcess; info: StackInfo }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(rootDir, "bench", "load-server.ts")], {
    cwd: rootDir,
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logStream = createWriteStream(logFile);
  child.stderr!.pipe(logStream);
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the load stack did not start within 60 s")), 60_000);
    child.once("exit", (code) =>
      reject(new Error(`the load stack exited with ${code} while starting; see ${logFile}`)),
    );
    lines.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as StackInfo);
      } catch {
        reject(new Error(`the load stack said ${JSON.stringify(line)} instead of its addresses`));
      }
    });
  });
  lines.on("line", (line) => logStream.write(`${line}\n`));
  return { child, info };
}

export async function stopStack(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Waits until the audit queue stays empty for two looks a second apart; the time it took. */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ drained: boolean; ms: number; error?: string }> {
  const started = performance.now();
  let empty = 0;
  while (performance.now() - started < DRAIN_LIMIT_MS) {
    try {
      empty = (await queueDepth(sqs, queueUrl)) === 0 ? empty + 1 : 0;
    } catch (error) {
      // The queue lives in the stack's process: if that died, there is nothing left to drain.
      return { drained: false, ms: performance.now() - started, error: (error as Error).message };
    }
    if (empty >= 2) return { drained: true, ms: performance.now() - started };
    await sleep(1_000);
  }
  return { drained: false, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
