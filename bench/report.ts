import { performance } from "node:perf_hooks";

/** How a ratio is judged: at least or at most the target value. */
export interface Target {
  op: ">=" | "<=";
  value: number;
}

/**
 * One printed line of `npm run bench`. A bench without a target (a latency we only watch) leaves
 * `ratio`/`target` out and is printed as INFO.
 */
export interface BenchResult {
  /** Short name, also what `npm run bench -- <name>` selects (a bench may return several lines). */
  name: string;
  /** The measured figures, already formatted: "app 4,210 req/s p99 5.1 ms | floor ...". */
  figures: string;
  ratio?: number;
  /** What the ratio is: "app/floor req/s". */
  ratioOf?: string;
  target?: Target;
  /** For targets that are not one ratio (several absolute limits): the verdict, already judged. */
  pass?: boolean;
  /** Context worth reading next to the figures (settings that shape them). */
  note?: string;
}

export type Verdict = "PASS" | "BELOW TARGET" | "INFO";

export function verdict(result: BenchResult): Verdict {
  if (result.pass !== undefined) return result.pass ? "PASS" : "BELOW TARGET";
  if (result.target === undefined || result.ratio === undefined) return "INFO";
  const { op, value } = result.target;
  return (op === ">=" ? result.ratio >= value : result.ratio <= value) ? "PASS" : "BELOW TARGET";
}

/** Two decimals, or three when two would print the target itself for a ratio that misses it. */
function ratioText(result: BenchResult): string {
  const text = fixed(result.ratio!, 2);
  return result.target && Number(text) === result.target.value && verdict(result) === "BELOW TARGET"
    ? fixed(result.ratio!, 3)
    : text;
}

export function formatResult(result: BenchResult): string {
  const parts = [`${result.name.padEnd(24)} ${result.figures}`];
  if (result.ratio !== undefined) {
    const target = result.target ? ` (target ${result.target.op === ">=" ? "≥" : "≤"} ${result.target.value})` : "";
    parts.push(`ratio ${result.ratioOf ? `${result.ratioOf} ` : ""}${ratioText(result)}${target}`);
  }
  parts.push(verdict(result));
  const line = parts.join("  ·  ");
  return result.note ? `${line}\n${" ".repeat(25)}(${result.note})` : line;
}

/** Nearest-rank percentile of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The middle sample (the mean of the two middle ones for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  return {
    n,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    min: n ? Math.min(...samples) : Number.NaN,
    max: n ? Math.max(...samples) : Number.NaN,
    mean: n ? samples.reduce((sum, x) => sum + x, 0) / n : Number.NaN,
  };
}

/** Wall time of `fn` in milliseconds, with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** Thousands separators, so 100000 and 1000000 read at a glance. */
export function count(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 10_000) return `${fixed(value / 1000, 1)} s`;
  return `${fixed(value, value < 10 ? 2 : 1)} ms`;
}

/** Progress for the human watching a long bench; stderr so the result lines stay clean on stdout. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`  [${bench}] ${message}\n`);
}
