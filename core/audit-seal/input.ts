import * as z from "../zod/index.ts";
import { timeRangeFields } from "../audit/range.ts";

/**
 * What the verification route parses: seals covering any event in the range. Apart from the result
 * it answers (./schema.ts).
 */
export const VerifyQuery = z.object(timeRangeFields());
export type VerifyQuery = z.output<typeof VerifyQuery>;
