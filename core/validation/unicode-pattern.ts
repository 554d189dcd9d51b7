import { onFirstUse } from "./first-use.ts";

/**
 * A regular expression with Unicode property classes (`\p{L}`), compiled when first used and from
 * a string. As a literal, V8 builds its property classes while it parses the file, used or not, in
 * every function that loads it: ~12 million instructions of a start for letters, marks and
 * pictographs, ~2.7 million for letters and digits (the stack floor is ~270 million).
 */
export function unicodePattern(source: string): () => RegExp {
  return onFirstUse(() => new RegExp(source, "u"));
}
