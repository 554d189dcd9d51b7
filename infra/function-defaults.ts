import { vpc } from "./network.ts";
import { LAMBDA_RUNTIME, NODE_MAJOR } from "./runtime.ts";
import { databaseUrl, quickwitUrl, redisUrl } from "./secrets.ts";
import { storage } from "./storage.ts";

type Environment = Record<string, $util.Input<string>>;

/** Adds variables under the function's own: a value the function sets itself wins. */
export function addEnvironment(args: sst.aws.FunctionArgs, shared: Environment): void {
  const own = $output(args.environment ?? {});
  args.environment = $resolve([$output(shared), own]).apply(([base, mine]) => ({ ...base, ...mine }));
}

// What every VoxGuard function shares: runtime, bundling, network and the backends' addresses.
// Applied to each API route through the ApiGatewayV2 transform and to the other functions
// directly. A value the function sets itself wins over the default.
export function applyFunctionDefaults(args: sst.aws.FunctionArgs): undefined {
  args.runtime ??= LAMBDA_RUNTIME;
  args.memory ??= "1024 MB";
  args.timeout ??= "20 seconds";
  args.vpc ??= vpc;
  const ownLinks = $output(args.link ?? []);
  args.link = ownLinks.apply((own) => [databaseUrl, redisUrl, quickwitUrl, ...storage.link, ...own]);
  addEnvironment(args, {
    DATABASE_URL: databaseUrl.value,
    REDIS_URL: redisUrl.value,
    QUICKWIT_URL: quickwitUrl.value,
    ...storage.environment,
  });
  // argon2 is a native addon: installed into the function's node_modules for Lambda's platform
  // instead of bundled. ESM, minified and compiled for the runtime's Node, as `npm run build`
  // measures them (SST's own default target is esnext).
  args.nodejs = $output(args.nodejs ?? {}).apply((own) => ({
    format: "esm" as const,
    minify: true,
    esbuild: { target: `node${NODE_MAJOR}` },
    install: ["@node-rs/argon2"],
    ...own,
  }));
  return undefined;
}
