import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateSealKey } from "@voxguard/core/audit-seal";

/**
 * `npm run dev` without AUDIT_SEAL_KEY: the key generated on the first start and kept in
 * `.voxguard/` (owner-only), so seals made yesterday still verify today. Returns the file's path.
 */
export async function ensureLocalSealKey(rootDir: string): Promise<string> {
  const file = path.join(rootDir, ".voxguard", "audit-seal-key.json");
  let key: string;
  try {
    key = (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    key = JSON.stringify(generateSealKey());
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  }
  process.env.AUDIT_SEAL_KEY = key;
  return file;
}
