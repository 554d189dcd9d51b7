/**
 * A value built when first asked for, then kept: for a schema or a pattern that only some requests
 * use. Built at the top of a module, it costs every function that loads the module at init, in
 * V8's parsing and compiling of what builds it as much as in the building.
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
