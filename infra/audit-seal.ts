import { SEAL_AUDIT_EVERY_MINUTES } from "../functions/jobs/seal-audit-schedule.ts";
import { addEnvironment, applyFunctionDefaults } from "./function-defaults.ts";

// The audit trail's sealing key: a private Ed25519 JWK (`npm run -s audit:keygen`). Only the
// sealing job gets it; no route's function ever holds it.
export const auditSealKey = new sst.Secret("AuditSealKey");
// Every public key a seal may name (JSON array of JWKs): the current key's public half and the
// retired ones. What GET /.well-known/voxguard-audit-keys.json publishes and verification uses.
export const auditSealPublicKeys = new sst.Secret("AuditSealPublicKeys", "[]");

const sealer: sst.aws.FunctionArgs = {
  handler: "functions/jobs/seal-audit.handler",
  // The run itself stops starting batches after 40 s; the rest covers the batch in flight.
  timeout: "60 seconds",
  link: [auditSealKey, auditSealPublicKeys],
};
addEnvironment(sealer, { AUDIT_SEAL_KEY: auditSealKey.value, AUDIT_SEAL_PUBLIC_KEYS: auditSealPublicKeys.value });
applyFunctionDefaults(sealer);

// Every minute: a seal trails the newest event by at most a schedule interval plus one run. A run
// that overlaps the next (or a retry) is harmless: two sealers never cover an event twice.
export const auditSealing = new sst.aws.CronV2("AuditSeal", {
  schedule: `rate(${SEAL_AUDIT_EVERY_MINUTES} minute${SEAL_AUDIT_EVERY_MINUTES === 1 ? "" : "s"})`,
  function: sealer,
  retries: 1,
});

/** What the API's functions need to verify seals: public keys only. */
export const auditSealVerification = { AUDIT_SEAL_PUBLIC_KEYS: auditSealPublicKeys.value };
