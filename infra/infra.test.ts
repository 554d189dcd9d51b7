import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { routes } from "../functions/routes.ts";
import { LAMBDA_RUNTIME, NODE_MAJOR } from "./runtime.ts";

// sst.config.ts and infra/ are evaluated for real here, against a stand-in for SST's globals that
// records every component they construct. Components the stand-in does not know fail the test, so
// new infra has to be modelled (and asserted) here before it passes.

const ROOT = path.resolve(import.meta.dirname, "..");
const CONSUMER = "functions/queue/audit-consumer.handler";
const CLEANUP = "functions/jobs/cleanup-sessions.handler";
const MIGRATOR = "functions/jobs/migrate.handler";
const ARGON2 = "@node-rs/argon2";

type Args = Record<string, unknown>;

/** A resolved Pulumi Output: enough of one for infra's `.apply`, `$output` and `$resolve`. */
class FakeOutput {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
  apply(fn: (value: unknown) => unknown): FakeOutput {
    return new FakeOutput(unwrap(fn(this.value)));
  }
}

/** Plain data is unwrapped all the way down; components (class instances) are kept as they are. */
function unwrap(value: unknown): unknown {
  if (value instanceof FakeOutput) return unwrap(value.value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrap(item)]));
  }
  return value;
}

interface Recorded {
  type: string;
  name: string;
  args: Args;
  opts: Args;
  self: object;
}

interface FunctionRecord {
  via: string;
  handler: string;
  args: Args;
  opts: Args;
}

function fakeSst() {
  const components: Recorded[] = [];
  const functions: FunctionRecord[] = [];

  function record(type: string, self: object, name: string, args: Args = {}, opts: Args = {}) {
    components.push({ type, name, args, opts, self });
  }
  /** What SST's function builder does with a handler argument: a string or full FunctionArgs. */
  function addFunction(via: string, definition: unknown, opts: Args, transform?: (a: Args, o: Args) => void) {
    const args: Args = typeof definition === "string" ? { handler: definition } : { ...(definition as Args) };
    transform?.(args, opts);
    functions.push({ via, handler: String(args.handler), args: unwrap(args) as Args, opts });
  }

  class Secret {
    readonly name: string;
    readonly value: FakeOutput;
    constructor(name: string, placeholder?: string) {
      record("sst.Secret", this, name, { placeholder });
      this.name = name;
      this.value = new FakeOutput(`secret:${name}`);
    }
  }
  class Queue {
    readonly name: string;
    readonly arn: FakeOutput;
    readonly url: FakeOutput;
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Queue", this, name, args);
      this.name = name;
      this.arn = new FakeOutput(`arn:queue:${name}`);
      this.url = new FakeOutput(`https://sqs/${name}`);
    }
    subscribe(subscriber: unknown, args: Args = {}) {
      record("sst.aws.Queue.subscribe", this, this.name, args);
      addFunction(`queue:${this.name}`, subscriber, {});
      return {};
    }
  }
  class Bucket {
    readonly name: FakeOutput;
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Bucket", this, name, args);
      this.name = new FakeOutput(`bucket:${name}`);
    }
  }
  class Vpc {
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Vpc", this, name, args);
    }
  }
  class Function {
    readonly name: FakeOutput;
    constructor(name: string, args: Args, opts: Args = {}) {
      record("sst.aws.Function", this, name, args, opts);
      addFunction(`function:${name}`, args, opts);
      this.name = new FakeOutput(`function:${name}`);
    }
  }
  class CronV2 {
    constructor(name: string, args: Args) {
      record("sst.aws.CronV2", this, name, args);
      addFunction(`cron:${name}`, args.function ?? args.job, {});
    }
  }
  class ApiGatewayV2 {
    readonly args: Args;
    readonly url: FakeOutput;
    readonly routes: string[] = [];
    constructor(name: string, args: Args = {}, opts: Args = {}) {
      record("sst.aws.ApiGatewayV2", this, name, args, opts);
      this.args = args;
      this.url = new FakeOutput(`https://api/${name}`);
    }
    route(routeKey: string, handler: unknown, routeArgs: Args = {}) {
      this.routes.push(routeKey);
      record("sst.aws.ApiGatewayV2.route", this, routeKey, routeArgs);
      const transform = (this.args.transform as { route?: { handler?: unknown } } | undefined)?.route?.handler;
      if (transform !== undefined && typeof transform !== "function") throw new Error("route handler transform must be a function");
      const definition = typeof handler === "string" ? { handler } : (handler as Args);
      addFunction(
        `route:${routeKey}`,
        { ...definition, link: this.args.link },
        {},
        transform as ((a: Args, o: Args) => void) | undefined,
      );
      return {};
    }
  }
  class Invocation {
    constructor(name: string, args: Args, opts: Args = {}) {
      record("aws.lambda.Invocation", this, name, args, opts);
    }
  }

  /** Any component infra reaches for that is not modelled above fails loudly. */
  function strict<T extends object>(label: string, known: T): T {
    return new Proxy(known, {
      get(target, key) {
        if (typeof key === "symbol" || key in target) return Reflect.get(target, key);
        throw new Error(`infra uses ${label}.${key}, which infra.test.ts does not model yet`);
      },
    });
  }

  const globals = {
    $config: (config: unknown) => config,
    $app: { name: "voxguard", stage: "test", removal: "remove", protect: false },
    $dev: false,
    $output: (value: unknown) => new FakeOutput(unwrap(value)),
    $resolve: (values: unknown) => new FakeOutput(unwrap(values)),
    sst: strict("sst", { Secret, aws: strict("sst.aws", { Queue, Bucket, Vpc, Function, CronV2, ApiGatewayV2 }) }),
    aws: strict("aws", { lambda: strict("aws.lambda", { Invocation }) }),
  };
  return { globals, components, functions };
}

type Fake = ReturnType<typeof fakeSst>;

interface SstConfig {
  app(input: { stage: string }): Args;
  run(): Promise<Args>;
}

const SETTINGS = ["VOXGUARD_VPC", "VOXGUARD_VPC_SUBNETS", "VOXGUARD_VPC_SECURITY_GROUPS", "VOXGUARD_STORAGE", "VOXGUARD_S3_BUCKET"];

/** Evaluates sst.config.ts's app() and run() against a fresh stand-in and fresh infra modules. */
async function evaluate(env: Record<string, string> = {}) {
  const saved = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));
  for (const name of SETTINGS) delete process.env[name];
  Object.assign(process.env, env);
  const fake = fakeSst();
  const previous = Object.fromEntries(Object.keys(fake.globals).map((key) => [key, Reflect.get(globalThis, key)]));
  Object.assign(globalThis, fake.globals);
  try {
    vi.resetModules();
    // A computed specifier keeps tsc (which type-checks this test) out of sst.config.ts: that file
    // is checked against SST's own types by `npm run typecheck:infra`.
    const configPath = path.join(ROOT, "sst.config.ts");
    const config = ((await import(/* @vite-ignore */ configPath)) as { default: SstConfig }).default;
    const outputs = await config.run();
    return { fake, config, outputs };
  } finally {
    Object.assign(globalThis, previous);
    for (const name of SETTINGS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** By identity: the very component infra constructed, not one that merely looks like it. */
function includes(list: unknown, item: unknown): boolean {
  return Array.isArray(list) && list.includes(item);
}

function handlerFile(handler: string): string {
  const match = /^(.+)\.handler$/.exec(handler);
  if (!match) throw new Error(`handler ${handler} is not "<file>.handler"`);
  return path.join(ROOT, `${match[1]}.ts`);
}

// At the start of a line, so that a comment showing the pattern does not count.
const EXPORTS_HANDLER = /^export\s+(?:const|let|(?:async\s+)?function)\s+handler\b|^export\s*\{[^}]*\bhandler\b[^}]*\}/m;

function exportsHandler(file: string): boolean {
  return EXPORTS_HANDLER.test(readFileSync(file, "utf8"));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const routeEntries = Object.entries(routes).map(([routeKey, route]) => ({ routeKey, handler: route.handler as string }));

describe("handler files", () => {
  it.each(routeEntries)("$routeKey: $handler exists and exports handler", ({ handler }) => {
    const file = handlerFile(handler);
    expect(existsSync(file), `${path.relative(ROOT, file)} is missing`).toBe(true);
    expect(exportsHandler(file), `${path.relative(ROOT, file)} does not export handler`).toBe(true);
  });

  it.each([CONSUMER, CLEANUP, MIGRATOR])("%s exists and exports handler", (handler) => {
    const file = handlerFile(handler);
    expect(existsSync(file), `${path.relative(ROOT, file)} is missing`).toBe(true);
    expect(exportsHandler(file), `${path.relative(ROOT, file)} does not export handler`).toBe(true);
  });
});

describe("infra registers exactly the route table, the consumer, the cron and the migrator", () => {
  let fake: Fake;
  let outputs: Args;
  let config: SstConfig;

  beforeAll(async () => {
    ({ fake, outputs, config } = await evaluate());
  });

  const ofType = (type: string) => fake.components.filter((component) => component.type === type);
  const only = (type: string) => {
    const found = ofType(type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };

  it("keeps production and removes every other stage", () => {
    for (const stage of ["production", "prod"]) {
      expect(config.app({ stage })).toMatchObject({ name: "voxguard", home: "aws", removal: "retain", protect: true });
    }
    expect(config.app({ stage: "ci" })).toMatchObject({ name: "voxguard", home: "aws", removal: "remove", protect: false });
  });

  it("deploys one API route per route-table entry, each with its own function", () => {
    const api = only("sst.aws.ApiGatewayV2").self as { routes: string[] };
    expect([...api.routes].sort()).toEqual(Object.keys(routes).sort());
    const routeFunctions = fake.functions.filter((fn) => fn.via.startsWith("route:"));
    expect(routeFunctions.map((fn) => [fn.via.slice("route:".length), fn.handler]).sort()).toEqual(
      routeEntries.map(({ routeKey, handler }) => [routeKey, handler]).sort(),
    );
  });

  it("builds exactly the route handlers, the audit consumer, the cleanup cron and the migrator", () => {
    const expected = [...routeEntries.map((entry) => entry.handler), CONSUMER, CLEANUP, MIGRATOR].sort();
    expect(fake.functions.map((fn) => fn.handler).sort()).toEqual(expected);
  });

  it("leaves no handler file under functions/ undeployed", () => {
    const deployed = new Set(fake.functions.map((fn) => handlerFile(fn.handler)));
    const orphans = sourceFiles(path.join(ROOT, "functions"))
      .filter((file) => exportsHandler(file) && !deployed.has(file))
      .map((file) => path.relative(ROOT, file));
    expect(orphans).toEqual([]);
  });

  it("gives every function the shared settings", () => {
    for (const fn of fake.functions) {
      expect(fn.args, fn.via).toMatchObject({
        runtime: LAMBDA_RUNTIME,
        nodejs: { format: "esm", minify: true, esbuild: { target: `node${NODE_MAJOR}` }, install: [ARGON2] },
        environment: { DATABASE_URL: "secret:DatabaseUrl", REDIS_URL: "secret:RedisUrl", QUICKWIT_URL: "secret:QuickwitUrl", S3_BUCKET: "bucket:AuditExports" },
      });
      expect(fn.args.memory, fn.via).toMatch(/^\d+ MB$/);
      expect(fn.args.timeout, fn.via).toMatch(/^\d+ (seconds|minutes)$/);
    }
  });

  it("lets the API routes send audit events to the queue", () => {
    const queue = ofType("sst.aws.Queue").find((component) => component.name === "Audit")!;
    for (const fn of fake.functions.filter((candidate) => candidate.via.startsWith("route:"))) {
      expect((fn.args.environment as Args).AUDIT_QUEUE_URL, fn.via).toBe("https://sqs/Audit");
      expect(includes(fn.args.link, queue.self), `${fn.via} links the audit queue`).toBe(true);
    }
  });

  it("subscribes the consumer to the audit queue in batches of 100 over 5 s with partial responses", () => {
    const dlq = ofType("sst.aws.Queue").find((component) => component.name === "AuditDeadLetter");
    const queue = ofType("sst.aws.Queue").find((component) => component.name === "Audit");
    expect(dlq && queue).toBeTruthy();
    expect(unwrap(queue!.args.dlq)).toEqual({ queue: "arn:queue:AuditDeadLetter", retry: 5 });
    const subscription = only("sst.aws.Queue.subscribe");
    expect(subscription.self).toBe(queue!.self);
    expect(unwrap(subscription.args)).toMatchObject({ batch: { size: 100, window: "5 seconds", partialResponses: true } });
    expect(fake.functions.filter((fn) => fn.via === "queue:Audit").map((fn) => fn.handler)).toEqual([CONSUMER]);
  });

  it("runs the session cleanup every 15 minutes with retries", () => {
    const cron = only("sst.aws.CronV2");
    expect(cron.args).toMatchObject({ schedule: "rate(15 minutes)" });
    expect(cron.args.retries).toBeGreaterThan(0);
    expect(fake.functions.filter((fn) => fn.via.startsWith("cron:")).map((fn) => fn.handler)).toEqual([CLEANUP]);
  });

  it("invokes the migrator on every deploy, before any API function changes", async () => {
    const migrator = only("sst.aws.Function");
    expect(migrator.args.handler).toBe(MIGRATOR);
    expect(unwrap(migrator.args.copyFiles)).toEqual([{ from: "migrations", to: "migrations" }]);
    const invocation = only("aws.lambda.Invocation");
    expect(unwrap(invocation.args.functionName)).toBe(`function:${migrator.name}`);
    expect(JSON.parse(String(invocation.args.input))).toEqual({ command: "up" });

    const api = only("sst.aws.ApiGatewayV2");
    expect(includes(api.opts.dependsOn, invocation.self), "the API waits for the migration").toBe(true);
    const routeFunctions = fake.functions.filter((candidate) => candidate.via.startsWith("route:"));
    expect(routeFunctions.length).toBeGreaterThan(0);
    for (const fn of routeFunctions) {
      expect(includes(fn.opts.dependsOn, invocation.self), `${fn.via} waits for the migration`).toBe(true);
    }

    // The trigger is what makes it run again: a second deploy must present a different one.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await evaluate();
    const next = again.fake.components.find((component) => component.type === "aws.lambda.Invocation")!;
    expect(unwrap(next.args.triggers)).not.toEqual(unwrap(invocation.args.triggers));
  });

  it("declares the secrets, optional ones with an empty placeholder", () => {
    const secrets = Object.fromEntries(ofType("sst.Secret").map((secret) => [secret.name, secret.args.placeholder]));
    expect(secrets).toEqual({
      DatabaseUrl: undefined,
      RedisUrl: "",
      QuickwitUrl: "",
      S3Endpoint: "",
      S3AccessKeyId: "",
      S3SecretAccessKey: "",
    });
  });

  it("returns the API URL, the queues and the export bucket", () => {
    expect(unwrap(outputs)).toEqual({
      api: "https://api/Api",
      auditQueue: "https://sqs/Audit",
      auditDeadLetterQueue: "https://sqs/AuditDeadLetter",
      exportBucket: "bucket:AuditExports",
    });
  });

  it("uses an external RustFS and an existing VPC when the stage asks for them", async () => {
    const { fake: external } = await evaluate({
      VOXGUARD_STORAGE: "rustfs",
      VOXGUARD_S3_BUCKET: "vg-exports",
      VOXGUARD_VPC_SUBNETS: "subnet-a, subnet-b",
      VOXGUARD_VPC_SECURITY_GROUPS: "sg-1",
    });
    expect(external.components.filter((component) => component.type === "sst.aws.Bucket")).toEqual([]);
    for (const fn of external.functions) {
      expect(fn.args.vpc, fn.via).toEqual({ privateSubnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] });
      expect(fn.args.environment, fn.via).toMatchObject({
        S3_BUCKET: "vg-exports",
        AWS_ENDPOINT_URL_S3: "secret:S3Endpoint",
        S3_ACCESS_KEY_ID: "secret:S3AccessKeyId",
        S3_SECRET_ACCESS_KEY: "secret:S3SecretAccessKey",
      });
    }
  });

  it("creates a VPC for the functions when asked to", async () => {
    const { fake: withVpc } = await evaluate({ VOXGUARD_VPC: "new" });
    const vpcs = withVpc.components.filter((component) => component.type === "sst.aws.Vpc");
    expect(vpcs).toHaveLength(1);
    for (const fn of withVpc.functions) expect(fn.args.vpc, fn.via).toBe(vpcs[0]!.self);
  });
});
