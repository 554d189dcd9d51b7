// PostgreSQL text and jsonb refuse NUL, and jsonb refuses unpaired surrogates: caught here they are a
// 400 instead of a database error answered as 500. A module apart from the schemas (./schema.ts):
// the edge checks every request's text with it, and importing it must not build those schemas in
// functions that don't use them.
const NUL = /\u0000/;

/**
 * Whether `text` has an unpaired surrogate (what jsonb refuses). A method call, not `/\p{Cs}/u`:
 * V8 compiles a Unicode property class while it parses the file, for every function that loads it.
 */
export const hasLoneSurrogate = (text: string): boolean => !text.isWellFormed();

/** Why PostgreSQL could not store `text` as it is (text and jsonb), if it could not. */
export function textProblem(text: string): string | undefined {
  if (NUL.test(text)) return "must not contain NUL characters";
  if (hasLoneSurrogate(text)) return "must be valid Unicode";
  return undefined;
}
