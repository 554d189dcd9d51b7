/**
 * The Node.js the functions run on in Lambda. Everything else follows this line: the esbuild
 * target (scripts/build.ts), the `node` dev dependency that `npm run`, `npx` and `npm test` run on,
 * `engines` and @types/node in package.json (infra/runtime.test.ts holds them to it).
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** The major version of LAMBDA_RUNTIME: 24 for "nodejs24.x". */
export const NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)![1]);
