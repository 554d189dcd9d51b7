/**
 * `npm run -s audit:keygen`: prints a new Ed25519 private key (JWK, with its RFC 7638 key id) for
 * the AuditSealKey secret, and on stderr its public half for the retired-keys list later.
 *
 *   npx sst secret set AuditSealKey "$(npm run -s audit:keygen)" --stage prod
 */
import { generateSealKey, publicJwk } from "../core/audit-seal/keys.ts";

const key = generateSealKey();
console.log(JSON.stringify(key));
console.error(`public key (kid ${key.kid}): ${JSON.stringify(publicJwk(key))}`);
