import type { KeyObject } from "node:crypto";
import * as z from "../zod/index.ts";
import type { Info as AuditEvent } from "../audit/schema.ts";
import { SealDigest, type VerifyResult } from "./schema.ts";
import { verifyChain } from "./verify-chain.ts";

const ExportHeader = z.object({
  id: z.string(),
  orgId: z.string(),
  from: z.nullable(z.string()),
  to: z.nullable(z.string()),
  exportedAt: z.string(),
});
export type ExportHeader = z.infer<typeof ExportHeader>;

// Plain strings where the API's Info checks uuids and datetimes: an edited value must reach the
// chain check and show as a break at its seal, not refuse the whole file as malformed.
const ExportedEvent = z.object({
  id: z.string(),
  orgId: z.nullable(z.string()),
  userId: z.nullable(z.string()),
  action: z.string(),
  resourceType: z.nullable(z.string()),
  resourceId: z.nullable(z.string()),
  details: z.record(z.string(), z.unknown()),
  ipAddress: z.nullable(z.string()),
  createdAt: z.string(),
  sealSeq: z.optional(z.nullable(z.number())),
});

export class ExportFormatError extends Error {
  override name = "ExportFormatError";
}

export interface ExportVerification extends VerifyResult {
  export: ExportHeader;
}

/**
 * Verifies an export file's text (NDJSON, already unpacked) with the given public keys: no database,
 * no network. The file's own header says which organization and range it holds.
 */
export function verifyExport(text: string, keys: ReadonlyMap<string, KeyObject>): ExportVerification {
  let header: ExportHeader | undefined;
  const seals: SealDigest[] = [];
  const events: { event: AuditEvent; sealSeq: number | null }[] = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ExportFormatError(`line ${index + 1} is not JSON`);
    }
    const record = value as Record<string, unknown>;
    if (record && typeof record === "object" && "export" in record) {
      const parsed = ExportHeader.safeParse(record.export);
      if (!parsed.success) throw new ExportFormatError(`line ${index + 1}: not an export header`);
      header = parsed.data;
    } else if (record && typeof record === "object" && "seal" in record) {
      const parsed = SealDigest.safeParse(record.seal);
      if (!parsed.success) throw new ExportFormatError(`line ${index + 1}: not a seal`);
      seals.push(parsed.data);
    } else {
      const parsed = ExportedEvent.safeParse(value);
      if (!parsed.success) throw new ExportFormatError(`line ${index + 1}: not an audit event`);
      const { sealSeq, ...event } = parsed.data;
      events.push({ event, sealSeq: sealSeq ?? null });
    }
  }
  if (!header) throw new ExportFormatError("no export header line: not a VoxGuard audit export");
  const result = verifyChain({
    chain: header.orgId,
    seals: seals.filter((seal) => seal.chain === header.orgId),
    events,
    keys,
    range: { from: header.from ?? undefined, to: header.to ?? undefined },
  });
  // A seal of another chain has no place in this file.
  const stray = seals.find((seal) => seal.chain !== header.orgId);
  if (stray && (result.firstBreak === null || result.firstBreak.seq > stray.seq)) {
    return {
      ...result,
      holds: false,
      firstBreak: { kind: "seal_altered", seq: stray.seq, detail: `seal ${stray.seq} belongs to chain ${stray.chain}` },
      export: header,
    };
  }
  return { ...result, export: header };
}
