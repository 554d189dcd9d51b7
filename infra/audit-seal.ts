import { jobs } from "../functions/jobs.ts";
import { addLinks, applyFunctionDefaults } from "./function-defaults.ts";
import { writeSealDigests } from "./permissions.ts";
import { auditSealKey, auditSealPublicKeys } from "./secrets.ts";
import { rate } from "./rate.ts";
import { storage } from "./storage.ts";

const sealer: sst.aws.FunctionArgs = {
  handler: jobs.auditSeal.handler,
  // The run itself stops starting batches after 40 s; the rest covers the batch in flight.
  timeout: "60 seconds",
};
applyFunctionDefaults(sealer);
// Linked for their values (core/config reads them through SST's Resource), not for permissions:
// a secret's link grants none. The public keys let the sealer refuse a key the API won't publish.
addLinks(sealer, [auditSealKey, auditSealPublicKeys]);
// Digest objects under the digest prefix, s3:PutObject only.
storage.attach(sealer, writeSealDigests);

// Every minute: a seal trails the newest event by at most a schedule interval plus one run. A run
// that overlaps the next (or a retry) is harmless: two sealers never cover an event twice. Created
// after infra/database.ts, so its function waits for the deploy's migration (function-defaults.ts).
export const auditSealing = new sst.aws.CronV2("AuditSeal", {
  schedule: rate(jobs.auditSeal.everyMinutes),
  function: sealer,
  retries: 1,
});
