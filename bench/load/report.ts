// The report's arithmetic and layout.
import type { Sample } from "./record.ts";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Text columns (the first, and any named in `left`) are left-aligned, figures right-aligned. */
export function table(headers: string[], rows: (string | number)[][], left: number[] = []): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const pad = (cell: string, column: number) =>
    column === 0 || left.includes(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!);
  const line = (row: string[]) => row.map(pad).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export const overlaps = (sample: Sample, from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined && sample.end >= from && sample.start <= to;

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
