import { config, type iso, ZodMiniISODateTime, ZodMiniNumber } from "zod/mini";
import { _coercedNumber, _isoDateTime, type $ZodNumberParams } from "zod/v4/core";
import en from "zod/v4/locales/en.js";

/**
 * zod for every schema of the app: `zod/mini`, whose functions a bundle keeps only when it uses
 * them (the classic API's methods bring all of zod into every function). Mini loads no messages, so
 * every issue would read "Invalid input"; the English ones classic zod loads are configured here,
 * once, before any schema can parse. Import it as `import * as z from "@voxguard/core/zod"` (in
 * core: "../zod/index.ts"), never "zod" or "zod/mini" directly.
 */
config(en());

export * from "zod/mini";

// `z.iso.datetime()` and `z.coerce.number()` go through namespace objects (`iso`, `coerce`) that a
// bundler can't take apart: one use kept every member, the ISO date, time and duration formats and
// the coerced bigint, boolean and date schemas with them, in every function. These are the same two
// schemas, built by the same zod core functions as mini's own, without the namespaces.

/** `z.isoDateTime()`: an ISO 8601 date-time string. */
export function isoDateTime(params?: Parameters<typeof iso.datetime>[0]): ZodMiniISODateTime {
  return _isoDateTime(ZodMiniISODateTime, params);
}

/** `z.coercedNumber()`: any input through `Number()`, then a number's checks. */
export function coercedNumber(params?: string | $ZodNumberParams): ZodMiniNumber<unknown> {
  return _coercedNumber(ZodMiniNumber, params) as ZodMiniNumber<unknown>;
}
