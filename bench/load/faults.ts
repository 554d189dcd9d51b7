// The faults injected while the clients run: Redis killed and restarted, PostgreSQL stopped and started.
import { setTimeout as sleep } from "node:timers/promises";
import type { RedisServer } from "../../test-support/redis-server.ts";
import type { Cluster } from "../load-cluster.ts";
import { now, timeline } from "./record.ts";

export interface Plan {
  redisAt: number;
  redisFor: number;
  pgAt: number;
  pgFor: number;
}

/** 60 s: Redis down 9–19 s, PostgreSQL stopped at 36 s for 3 s. Shorter runs scale it down. */
export function plan(seconds: number): Plan {
  const ms = seconds * 1000;
  return {
    redisAt: 0.15 * ms,
    redisFor: Math.min(10_000, 0.25 * ms),
    pgAt: 0.6 * ms,
    pgFor: Math.min(3_000, 0.1 * ms),
  };
}

export async function injectFaults(
  redis: RedisServer,
  cluster: Cluster,
  faults: Plan,
  log: (line: string) => void,
): Promise<void> {
  const until = (at: number) => sleep(Math.max(0, at - now()));
  await until(faults.redisAt);
  timeline.redisStop = now();
  await redis.stop();
  log(`redis-server killed at ${(timeline.redisStop / 1000).toFixed(1)} s`);
  await until(faults.redisAt + faults.redisFor);
  await redis.start();
  timeline.redisBack = now();
  log(`redis-server back at ${(timeline.redisBack / 1000).toFixed(1)} s`);

  await until(faults.pgAt);
  timeline.pgStop = now();
  await cluster.stop();
  timeline.pgDown = now();
  log(
    `postgresql stopped (-m fast) at ${(timeline.pgStop / 1000).toFixed(1)} s, down at ${(timeline.pgDown / 1000).toFixed(1)} s`,
  );
  await sleep(faults.pgFor);
  await cluster.start();
  timeline.pgReady = now();
  log(`postgresql accepting connections again at ${(timeline.pgReady / 1000).toFixed(1)} s`);
}
