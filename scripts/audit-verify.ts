/**
 * `npm run audit:verify -- <export file or URL> --keys <JWK set file or URL> [--json]`: checks an
 * audit export offline, as a third party would: the events against the seals in the file, the
 * seals against each other and the public keys. Nothing here reads the database.
 *
 * Exit status: 0 the trail holds, 1 it is broken (the first break is printed), 2 the file or the
 * keys could not be read.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { keysFromJwks } from "../core/audit-seal/keys.ts";
import { verifyExport } from "../core/audit-seal/offline.ts";

async function read(source: string): Promise<Buffer> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${new URL(source).host} answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
  return readFile(source);
}

function usage(message: string): never {
  console.error(
    `audit:verify: ${message}\nusage: npm run audit:verify -- <export.ndjson.gz> --keys <voxguard-audit-keys.json or its URL> [--json]`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const keysAt = args.indexOf("--keys");
  const keysSource = keysAt >= 0 ? args[keysAt + 1] : process.env.VOXGUARD_AUDIT_KEYS;
  const file = args.find((arg, index) => !arg.startsWith("--") && index !== keysAt + 1);
  if (!file) usage("no export file given");
  if (!keysSource) usage("no public keys given (--keys, or VOXGUARD_AUDIT_KEYS)");

  const raw = await read(file);
  // gzip's magic number: the export as downloaded, or already unpacked.
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
  const keys = keysFromJwks(JSON.parse((await read(keysSource)).toString("utf8")));
  if (keys.size === 0) usage("the key set holds no Ed25519 key");

  const result = verifyExport(text, keys);
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    const range = `${result.export.from ?? "the beginning"} to ${result.export.to ?? "the export"}`;
    console.log(`organization ${result.export.orgId}, ${range}`);
    console.log(
      `seals ${result.seals.firstSeq ?? "-"}..${result.seals.lastSeq ?? "-"} (${result.seals.count}), events sealed ${result.events.sealed}, not yet sealed ${result.events.unsealed}`,
    );
    console.log(
      result.holds
        ? "the trail holds"
        : `BROKEN: ${result.firstBreak!.kind} at seal ${result.firstBreak!.seq}: ${result.firstBreak!.detail}`,
    );
  }
  process.exitCode = result.holds ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`audit:verify: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
