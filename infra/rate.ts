/** An EventBridge Scheduler rate expression for a job's `everyMinutes`. */
export function rate(minutes: number): `rate(${string})` {
  return `rate(${minutes} minute${minutes === 1 ? "" : "s"})`;
}
