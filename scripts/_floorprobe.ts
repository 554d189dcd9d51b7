import { probe } from "../bench/cold-start.ts";
import { spawnSync } from "node:child_process";
const files = process.argv.slice(2);
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return (s[4]! + s[5]!) / 2; };
const bare = () => { const t = performance.now(); spawnSync(process.execPath, ["-e", ""]); return performance.now() - t; };
for (const f of files) {
  probe(f);
  const b: number[] = [], t: number[] = [];
  for (let i = 0; i < 10; i++) { b.push(bare()); const r = probe(f); if (!r.ok) throw new Error(r.error); t.push(r.ms); }
  console.log(f, "init over bare", (med(t) - med(b)).toFixed(1), "bare", med(b).toFixed(1));
}
