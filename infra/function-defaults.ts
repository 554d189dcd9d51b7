import { BUNDLING } from "./bundling.ts";
import { nativePackagesOf } from "./native-packages.ts";
import { vpc } from "./network.ts";
import { LAMBDA_RUNTIME } from "./runtime.ts";
import { databaseUrl, quickwitUrl, redisUrl } from "./secrets.ts";

// The one place a new infra file takes its function patterns from:
// - applyFunctionDefaults(args): runtime, memory, timeout, VPC, the backends' linked secrets,
//   bundling, native installs. Call it on every FunctionArgs (routes get it through the API's
//   transform).
// - waitForMigration(migration): registered once by database.ts; from then on every sst.aws.Function
//   (routes, the queue consumer, crons, anything a later file adds) is deployed only after the
//   deploy's migration succeeded. Construct a Function directly with an options object
//   (`new sst.aws.Function(name, args, {})`) so there is one to add the dependency to.
// - permissions.ts: grant(args, ...) with the few actions a function uses; never link a queue or a
//   bucket for its permissions.
// - addEnvironment / addLinks: add to what a function sets itself.

type Environment = Record<string, $util.Input<string>>;

/**
 * What an `.apply()` callback builds for `args.<key>`, spelled out as its return type: an object
 * literal returned from an unannotated callback is not checked against the option's type, so a
 * misspelled option there would pass the type-check and be ignored at deploy.
 */
export type Resolved<K extends keyof sst.aws.FunctionArgs> = $util.Unwrap<NonNullable<sst.aws.FunctionArgs[K]>>;

/** Adds variables under the function's own: a value the function sets itself wins. */
export function addEnvironment(args: sst.aws.FunctionArgs, shared: Environment): void {
  const own = $output(args.environment ?? {});
  args.environment = $resolve([$output(shared), own]).apply(
    ([base, mine]): Resolved<"environment"> => ({ ...base, ...mine }),
  );
}

/** Adds links before the function's own. */
export function addLinks(args: sst.aws.FunctionArgs, links: unknown[]): void {
  const own = $output(args.link ?? []);
  args.link = own.apply((mine): Resolved<"link"> => [...links, ...mine]);
}

/** A value the function sets itself wins over the default. */
export function applyFunctionDefaults(args: sst.aws.FunctionArgs): undefined {
  if (typeof args.handler !== "string")
    throw new Error('infra: a function\'s handler must be a plain string ("functions/x/y.handler")');
  args.runtime ??= LAMBDA_RUNTIME;
  args.memory ??= "1024 MB";
  args.timeout ??= "20 seconds";
  args.vpc ??= vpc;
  // Linked, not copied into the environment: Lambda shows environment variables in plain text to
  // anyone who may read the function's configuration.
  addLinks(args, [databaseUrl, redisUrl, quickwitUrl]);
  const install = nativePackagesOf(args.handler);
  // Bundled as `npm run build` and `npm run bench` measure the bundles (infra/bundling.ts).
  args.nodejs = $output(args.nodejs ?? {}).apply(
    (own): Resolved<"nodejs"> => ({
      format: BUNDLING.format,
      minify: BUNDLING.minify,
      esbuild: { keepNames: BUNDLING.esbuild.keepNames, sourcemap: BUNDLING.esbuild.sourcemap },
      plugins: BUNDLING.plugins,
      ...(install.length > 0 ? { install } : {}),
      ...own,
    }),
  );
  return undefined;
}

type DependsOn = $util.ResourceOptions["dependsOn"];

/** Adds `dependency` to a resource's dependsOn, keeping what it has. */
export function addDependency(opts: { dependsOn?: DependsOn }, dependency: $util.Resource): void {
  const current = opts.dependsOn;
  if (current === undefined) opts.dependsOn = [dependency];
  else if (Array.isArray(current)) opts.dependsOn = [...current, dependency];
  else {
    const resolved = $output(current as $util.Input<$util.Resource | $util.Input<$util.Resource>[]>);
    opts.dependsOn = resolved.apply((list): $util.Resource[] => [...(Array.isArray(list) ? list : [list]), dependency]);
  }
}

/** Every sst.aws.Function constructed after this call waits for `migration`. */
export function waitForMigration(migration: $util.Resource): void {
  $transform(sst.aws.Function, (_args, opts, name) => {
    if (!opts)
      throw new Error(
        `infra: construct the function ${name} with an options object ({}) so it can wait for the migration`,
      );
    addDependency(opts, migration);
  });
}
