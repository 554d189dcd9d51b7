import { reloadConfig } from "@voxguard/core/config";
import { startLocalAws } from "../test-support/fauxqs.ts";
import { startApi } from "../test-support/http.ts";
import { signUp, uniqueEmail } from "../test-support/identity.ts";
import { fixed, percentile, progress, type BenchResult } from "./report.ts";

const ROUNDS = 300;
const WARMUP = 30;
/** Medians within this fraction of each other, or within 0.3 ms, count as indistinguishable. */
const TOLERANCE = 0.1;
const FLOOR_MS = 0.3;

/**
 * POST /auth/password/forgot for an address with an account and for addresses without one,
 * interleaved, timed at the client: the answer must not tell them apart by its median time either.
 * The mail queue is fauxqs and nothing consumes it here, as in AWS, where the consumer is another
 * function: the request's own work (validation, two limit counters, one SendMessage) is what counts.
 */
export async function run(): Promise<BenchResult> {
  const aws = await startLocalAws();
  const { queueUrl } = await aws.createQueue("bench-mail");
  process.env.MAIL_QUEUE_URL = queueUrl;
  process.env.MAIL_FROM = "VoxGuard Bench <no-reply@voxguard.test>";
  process.env.PASSWORD_FORGOT_LIMIT_PER_ACCOUNT = "100000000";
  process.env.PASSWORD_FORGOT_LIMIT_PER_IP = "100000000";
  reloadConfig();
  const api = await startApi();
  try {
    const known = await signUp(api);
    const time = async (email: string) => {
      const started = performance.now();
      const answer = await api.request("POST", "/auth/password/forgot", { body: { email } });
      const elapsed = performance.now() - started;
      if (answer.status !== 202) throw new Error(`forgot answered ${answer.status}`);
      return elapsed;
    };
    for (let i = 0; i < WARMUP; i++) await time(i % 2 ? known.email : uniqueEmail("warmup"));
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternating which goes first, so a drift in load hits both alike.
      if (i % 2) {
        knownMs.push(await time(known.email));
        unknownMs.push(await time(uniqueEmail("nobody")));
      } else {
        unknownMs.push(await time(uniqueEmail("nobody")));
        knownMs.push(await time(known.email));
      }
      if (i % 100 === 99) progress("forgot-timing", `${i + 1}/${ROUNDS} pairs`);
    }
    const [k, u] = [percentile(knownMs, 50), percentile(unknownMs, 50)];
    const gap = Math.abs(k - u);
    return {
      name: "forgot-timing",
      figures: `median known ${fixed(k, 2)} ms, unknown ${fixed(u, 2)} ms, gap ${fixed(gap, 2)} ms; p90 known ${fixed(percentile(knownMs, 90), 2)} ms, unknown ${fixed(percentile(unknownMs, 90), 2)} ms (${ROUNDS} each)`,
      ratio: k / u,
      ratioOf: "known/unknown median",
      pass: gap <= Math.max(FLOOR_MS, TOLERANCE * Math.min(k, u)),
      note: `indistinguishable when the medians are within ${TOLERANCE * 100}% or ${FLOOR_MS} ms`,
    };
  } finally {
    await api.close();
    await aws.close();
  }
}
