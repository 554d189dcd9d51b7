import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { GetObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { sql } from "kysely";
import Cursor from "pg-cursor";
import { uuidv7 } from "uuidv7";
import type { Actor } from "../actor/index.ts";
import { config, type Config } from "../config/index.ts";
import { db, enableStreaming } from "../db/index.ts";
import type { AuditRow } from "../db/schema.ts";
import { VisibleError } from "../error/index.ts";
import { requireRole } from "../access/index.ts";
import { timeRange } from "../validation/index.ts";
import { loadSeals, sealSpan } from "../audit-seal/evidence.ts";
import { emit } from "./emit.ts";
import { toInfo } from "./info.ts";
import type { AuditExportRequest } from "./input.ts";
import type { AuditExportInfo } from "./schema.ts";

// The export streams rows from a database cursor; no other function carries pg-cursor.
enableStreaming(Cursor);

/** Rows fetched from the cursor at a time, and lines handed to gzip at a time. */
const CHUNK_ROWS = 1_000;
/** Seals read at a time (each lists its events: up to a few hundred KiB). */
const CHUNK_SEALS = 100;
/** S3's minimum part size; with two parts in flight the upload holds ~15 MiB whatever the size. */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
/**
 * The cursor is one statement for its whole life, and the pool's statement timeout would cut a
 * large export short; a Lambda lives 15 minutes at most.
 */
const EXPORT_STATEMENT_TIMEOUT = "14min";

let client: S3Client | undefined;
let clientEndpoint: string | undefined;

export function s3(): S3Client {
  // The client is rebuilt only when the endpoint changes (tests).
  const endpoint = config().aws.s3Endpoint;
  if (!client || clientEndpoint !== endpoint) {
    client?.destroy();
    client = new S3Client(s3ClientOptions(endpoint, config().s3Credentials));
    clientEndpoint = endpoint;
  }
  return client;
}

/**
 * RustFS (and fauxqs) behind a custom endpoint serve buckets by path and reject or ignore the SDK's
 * default CRC checksums. AWS S3 itself gets virtual-hosted addressing, which AWS is retiring
 * path-style in favour of (and which bucket names with dots would need anyway on AWS).
 */
export function s3ClientOptions(endpoint: string | undefined, credentials: Config["s3Credentials"]): S3ClientConfig {
  const custom = endpoint !== undefined && endpoint !== "";
  return {
    ...(custom
      ? {
          endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : {}),
    // Without them the SDK's default chain applies (the function's role on AWS S3).
    ...(credentials ? { credentials } : {}),
  };
}

/**
 * Writes an organization's trail (oldest first, optionally within [from, to)) to object storage as
 * gzip-compressed NDJSON and answers with a presigned URL. The first line describes the export
 * (`{"export": …}`), each event line is the event as the API shows it plus the seal that covers it
 * (`sealSeq`, null while none does), and the last lines are those seals (`{"seal": …}`), so that
 * `npm run audit:verify` can check the file without the database. Rows stream from a database cursor
 * through gzip into a multipart upload, so memory stays bounded whatever the trail's size.
 */
export async function exportTrail(actor: Actor, orgId: string, range: AuditExportRequest): Promise<AuditExportInfo> {
  if (actor.type !== "user") throw new VisibleError("unauthorized", "Log in to export the audit trail");
  await requireRole(actor, orgId, "admin");
  const { from, to } = timeRange(range.from, range.to, "body");

  const settings = config();
  const id = uuidv7();
  const key = `exports/${orgId}/${id}.ndjson.gz`;
  let count = 0;

  // Not `transaction()`: a retry after a serialization failure would append to a half-sent stream.
  // Repeatable read: the events and the seals that cover them come from one snapshot, so a seal
  // committed meanwhile can't be named by an exported event yet be missing from the file.
  await db()
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (tx) => {
      await sql`set local statement_timeout = ${sql.lit(EXPORT_STATEMENT_TIMEOUT)}`.execute(tx);
      const span = await sealSpan(orgId, { from, to }, tx);
      let rows = tx
        .selectFrom("audit_log")
        .leftJoin("audit_seal_events as covered", "covered.event_id", "audit_log.id")
        .selectAll("audit_log")
        .select("covered.seq as covered_by")
        .where("audit_log.org_id", "=", orgId);
      if (from) rows = rows.where("audit_log.created_at", ">=", from);
      if (to) rows = rows.where("audit_log.created_at", "<", to);
      const stream = rows.orderBy("audit_log.created_at", "asc").orderBy("audit_log.id", "asc").stream(CHUNK_ROWS);

      async function* lines(): AsyncGenerator<string> {
        // What the file holds, for a verifier: which organization and which creation times.
        yield `${JSON.stringify({ export: { id, orgId, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, exportedAt: new Date().toISOString() } })}\n`;
        let chunk: string[] = [];
        for await (const row of stream) {
          chunk.push(JSON.stringify({ ...toInfo(row as AuditRow), sealSeq: row.covered_by }));
          count++;
          if (chunk.length === CHUNK_ROWS) {
            yield `${chunk.join("\n")}\n`;
            chunk = [];
          }
        }
        if (chunk.length > 0) yield `${chunk.join("\n")}\n`;
        // The seals covering those events, and the one before them for the first link.
        if (span) {
          for (let first = Math.max(1, span.first - 1); first <= span.last; first += CHUNK_SEALS) {
            const seals = await loadSeals(orgId, first, Math.min(span.last, first + CHUNK_SEALS - 1), tx);
            if (seals.length > 0) yield `${seals.map((seal) => JSON.stringify({ seal })).join("\n")}\n`;
          }
        }
      }

      const gzip = createGzip();
      const upload = new Upload({
        client: s3(),
        params: {
          Bucket: settings.s3Bucket,
          Key: key,
          Body: gzip,
          // A .gz file, not Content-Encoding: an HTTP client would otherwise unpack it on download.
          ContentType: "application/gzip",
          ContentDisposition: `attachment; filename="audit-${orgId}-${id}.ndjson.gz"`,
        },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
      });
      const producing = pipeline(Readable.from(lines()), gzip);
      const uploading = upload.done();
      // Either side failing stops the other: a failed upload must release the cursor (and its
      // connection), a failed read must abort the multipart upload.
      const [produced, uploaded] = await Promise.allSettled([
        producing.catch((error: unknown) => {
          void upload.abort().catch(() => undefined);
          throw error;
        }),
        uploading.catch((error: unknown) => {
          gzip.destroy(error as Error);
          throw error;
        }),
      ]);
      if (produced.status === "rejected") throw produced.reason;
      if (uploaded.status === "rejected") throw uploaded.reason;
    });

  const signedAt = new Date();
  const url = await getSignedUrl(s3(), new GetObjectCommand({ Bucket: settings.s3Bucket, Key: key }), {
    expiresIn: settings.exportUrlSeconds,
    signingDate: signedAt,
  });
  const expiresAt = new Date(signedAt.getTime() + settings.exportUrlSeconds * 1000).toISOString();
  await emit({
    action: "audit.exported",
    actor,
    orgId,
    details: {
      exportId: id,
      count,
      ...(range.from ? { from: range.from } : {}),
      ...(range.to ? { to: range.to } : {}),
    },
  });
  return { id, url, expiresAt, count };
}
