// What `@node-rs/argon2` resolves to in function bundles (infra/esbuild-plugins.mjs).
//
// The package's own loader works the platform out at every start: it reads /usr/bin/ldd to tell
// glibc from musl, tries a binary beside itself, then resolves its platform package by name and
// reads that one's package.json: ~13 million instructions of a function's import, and ~2 ms
// more than opening the binding. On Lambda's managed Node runtime the answer is known in
// advance: Amazon Linux, so glibc, on x86_64 or arm64. And SST installs the package, with its
// binding for the function's architecture, by running `npm install` in the folder that becomes the
// function's root, LAMBDA_TASK_ROOT (`nodejs.install`, set in infra/function-defaults.ts). There,
// the binding is opened where it is. Anywhere else (`sst dev`, a container image of another
// system, napi-rs's own overrides set), or if the file is not there, the package's loader runs.
//
// `process.dlopen` rather than `require` of the path: a first `require` of a file loads the rest of
// Node's CommonJS loader, ~1 ms more of a start that needs nothing else from it. A binding that is
// there but fails to open fails the start with its own error, as the package's loader would.
const { existsSync } = require("node:fs");

function fromTaskRoot() {
  const { AWS_EXECUTION_ENV, LAMBDA_TASK_ROOT, NAPI_RS_NATIVE_LIBRARY_PATH, NAPI_RS_FORCE_WASI } = process.env;
  if (!AWS_EXECUTION_ENV?.startsWith("AWS_Lambda_nodejs") || !LAMBDA_TASK_ROOT) return undefined;
  if (NAPI_RS_NATIVE_LIBRARY_PATH || NAPI_RS_FORCE_WASI) return undefined;
  const platform = `linux-${process.arch}-gnu`;
  const file = `${LAMBDA_TASK_ROOT}/node_modules/@node-rs/argon2-${platform}/argon2.${platform}.node`;
  if (!existsSync(file)) return undefined;
  const addon = { exports: {} };
  process.dlopen(addon, file);
  return addon.exports;
}

module.exports = fromTaskRoot() ?? require("@node-rs/argon2");
