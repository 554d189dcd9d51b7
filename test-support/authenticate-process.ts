import { createInterface } from "node:readline";
import * as Session from "@voxguard/core/session";

/**
 * Another process of the same deployment (its own cache client and memory): reads a bearer token a
 * line and answers a line of JSON, `{ ok: true, role }` or `{ ok: false, code }`. Tests use it to
 * see what a process other than the one that handled a change accepts.
 */
for await (const token of createInterface({ input: process.stdin })) {
  try {
    const actor = await Session.authenticate(token, {});
    process.stdout.write(`${JSON.stringify({ ok: true, role: actor.role })}\n`);
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, code: (error as { code?: string }).code ?? String(error) })}\n`,
    );
  }
}
process.exit(0);
