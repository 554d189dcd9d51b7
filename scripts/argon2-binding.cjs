// What `@node-rs/argon2` resolves to in function bundles (infra/esbuild-plugins.mjs).
//
// The package's own loader works the platform out at every start: it reads /usr/bin/ldd to tell
// glibc from musl, tries a binary beside itself, then resolves its platform package by name and
// reads that one's package.json. That is ~10 million instructions and 2–4 ms of a cold start, for
// an answer known in advance on Lambda: its Node runtimes run on Amazon Linux (glibc), x86_64 or
// arm64, and SST installs the package with the binding for the function's architecture by running
// `npm install` in the folder that becomes the function's root, LAMBDA_TASK_ROOT (`nodejs.install`,
// infra/native-packages.ts). There, the binding is opened where it is. Anywhere else, or if it is
// not there, the package's own loader finds whichever binding is installed.
//
// `process.dlopen` rather than `require` of the path: a first `require` of a file loads the rest of
// Node's CommonJS loader, ~1 ms more of a start that needs nothing else from it.
function fromTaskRoot() {
  const root = process.env.LAMBDA_TASK_ROOT;
  if (!root) return undefined;
  const platform = `linux-${process.arch}-gnu`;
  const addon = { exports: {} };
  try {
    process.dlopen(addon, `${root}/node_modules/@node-rs/argon2-${platform}/argon2.${platform}.node`);
  } catch {
    return undefined;
  }
  return addon.exports;
}

module.exports = fromTaskRoot() ?? require("@node-rs/argon2");
