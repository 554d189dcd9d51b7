import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { LINKED_SECRETS } from "../core/config/linked-secrets.ts";
import { Metric, METRICS_NAMESPACE } from "../core/metrics/names.ts";
import { jobs } from "../functions/jobs.ts";
import { routes } from "../functions/routes.ts";
import { MAILING_ROUTES } from "./mailing-routes.ts";
import { resolveSettings, type StageSettings } from "./stage-settings.ts";
import { BUNDLING } from "./bundling.ts";
import { LAMBDA_RUNTIME } from "./runtime.ts";

// sst.config.ts and infra/ are evaluated for real here, against a stand-in for SST's globals that
// records every component they construct. Components the stand-in does not know fail the test, so
// new infra has to be modelled (and asserted) here before it passes.
//
// The stand-in follows SST 4.17.1's own component code where it matters for what is asserted:
// - sst.aws.Function runs the `$transform` callbacks registered before it, with the (args, opts,
//   name) it is constructed with (Component's constructor, components/component.ts);
// - routes, queue subscribers and crons build their function like SST's functionBuilder
//   (components/aws/helpers/function-builder.ts): default args merged under the definition's,
//   link/environment/permissions concatenated, then `new Function(name, args, { parent })`;
// - a queue subscriber adds SQS's receive actions on its queue (queue-lambda-subscriber.ts).
// SST's own Pulumi mocks can't stand in here: constructing a real sst.aws.Function calls the SST
// CLI's RPC server to build the handler (rpc.call("Runtime.Build")) and reads SST's bootstrap
// bucket from AWS (helpers/bootstrap.ts), neither of which exists offline.

const ROOT = path.resolve(import.meta.dirname, "..");
const CONSUMER = jobs.auditConsumer.handler;
const MAIL_CONSUMER = jobs.mailConsumer.handler;
const CLEANUP = jobs.sessionCleanup.handler;
const MIGRATOR = jobs.migrator.handler;
const REINDEX = jobs.auditReindex.handler;
const SEALER = jobs.auditSeal.handler;
const ARGON2 = "@node-rs/argon2";
const ARGON2_HANDLERS = [
  "functions/auth/register.handler",
  "functions/auth/login.handler",
  "functions/auth/reset-password.handler",
  "functions/me/change-password.handler",
];
const SQS_SUBSCRIBER_ACTIONS = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];

type Args = Record<string, unknown>;

/** A resolved Pulumi Output: enough of one for infra's `.apply`, `$output`, `$resolve`, `$interpolate`. */
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
  name: string;
  via: string;
  handler: string;
  args: Args;
  opts: Args | undefined;
  self: object;
}

type Transform = (args: Args, opts: Args | undefined, name: string) => void;

function fakeSst(stage: string, protect: boolean) {
  const components: Recorded[] = [];
  const functions: FunctionRecord[] = [];
  const transforms = new Map<unknown, Transform[]>();

  function record(type: string, self: object, name: string, args: Args = {}, opts: Args = {}) {
    components.push({ type, name, args, opts, self });
  }

  // biome-ignore lint/suspicious/noShadowRestrictedNames: stands in for sst.aws.Function under its own name
  class Function {
    readonly name: FakeOutput;
    readonly arn: FakeOutput;
    constructor(name: string, args: Args, opts?: Args) {
      for (const transform of transforms.get(Function) ?? []) transform(args, opts, name);
      record("sst.aws.Function", this, name, args, opts);
      functions.push({
        name,
        via: `function:${name}`,
        handler: String(unwrap(args.handler)),
        args: unwrap(args) as Args,
        opts,
        self: this,
      });
      this.name = new FakeOutput(`function:${name}`);
      this.arn = new FakeOutput(`arn:function:${name}`);
    }
  }

  /** SST's functionBuilder for a handler string or FunctionArgs definition. */
  function buildFunction(via: string, name: string, definition: unknown, defaults: Args, parent: object): FakeOutput {
    const own: Args = typeof definition === "string" ? { handler: definition } : { ...(definition as Args) };
    const merged: Args = {
      ...defaults,
      ...own,
      link: [...((unwrap(defaults.link) as unknown[]) ?? []), ...((unwrap(own.link) as unknown[]) ?? [])],
      environment: { ...((unwrap(defaults.environment) as Args) ?? {}), ...((unwrap(own.environment) as Args) ?? {}) },
      permissions: [
        ...((unwrap(defaults.permissions) as unknown[]) ?? []),
        ...((unwrap(own.permissions) as unknown[]) ?? []),
      ],
    };
    const fn = new Function(name, merged, { parent });
    functions.at(-1)!.via = via;
    return new FakeOutput(fn);
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
    readonly nodes: { queue: { name: FakeOutput } };
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Queue", this, name, args);
      this.name = name;
      this.arn = new FakeOutput(`arn:queue:${name}`);
      this.url = new FakeOutput(`https://sqs/${name}`);
      this.nodes = { queue: { name: new FakeOutput(`queue:${name}`) } };
    }
    subscribe(subscriber: unknown, args: Args = {}, opts: Args = {}) {
      const self = {};
      record("sst.aws.Queue.subscribe", this, this.name, args, opts);
      components.at(-1)!.self = this;
      const fn = buildFunction(
        `queue:${this.name}`,
        `${this.name}SubscriberFunction`,
        subscriber,
        { permissions: [{ actions: SQS_SUBSCRIBER_ACTIONS, resources: [this.arn] }] },
        self,
      );
      return { nodes: { function: fn } };
    }
  }
  class Bucket {
    readonly name: FakeOutput;
    readonly arn: FakeOutput;
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Bucket", this, name, args);
      this.name = new FakeOutput(`bucket:${name}`);
      this.arn = new FakeOutput(`arn:bucket:${name}`);
    }
  }
  class Email {
    readonly sender: FakeOutput;
    readonly nodes: { identity: { arn: FakeOutput }; configurationSet: { arn: FakeOutput } };
    constructor(name: string, args: Args) {
      record("sst.aws.Email", this, name, args);
      this.sender = new FakeOutput(args.sender);
      this.nodes = {
        identity: { arn: new FakeOutput(`arn:ses:identity:${name}`) },
        configurationSet: { arn: new FakeOutput(`arn:ses:configset:${name}`) },
      };
    }
  }
  class Vpc {
    constructor(name: string, args: Args = {}) {
      record("sst.aws.Vpc", this, name, args);
    }
  }
  class CronV2 {
    readonly nodes: { function: FakeOutput };
    constructor(name: string, args: Args, opts: Args = {}) {
      record("sst.aws.CronV2", this, name, args, opts);
      this.nodes = { function: buildFunction(`cron:${name}`, `${name}Handler`, args.function ?? args.job, {}, this) };
    }
  }
  class ApiGatewayV2 {
    readonly args: Args;
    readonly url: FakeOutput;
    readonly routes: string[] = [];
    readonly nodes: { api: { id: FakeOutput } };
    constructor(name: string, args: Args = {}, opts: Args = {}) {
      record("sst.aws.ApiGatewayV2", this, name, args, opts);
      this.args = args;
      this.url = new FakeOutput(`https://api/${name}`);
      this.nodes = { api: { id: new FakeOutput(`api:${name}`) } };
    }
    route(routeKey: string, handler: unknown, routeArgs: Args = {}) {
      this.routes.push(routeKey);
      record("sst.aws.ApiGatewayV2.route", this, routeKey, routeArgs);
      const transform = (this.args.transform as { route?: { handler?: unknown } } | undefined)?.route?.handler;
      if (transform !== undefined)
        throw new Error(
          "infra.test.ts models no route handler transform; functions get their settings through function-defaults.ts",
        );
      buildFunction(`route:${routeKey}`, `Route${this.routes.length}Handler`, handler, {}, this);
      return {};
    }
  }
  class Invocation {
    constructor(name: string, args: Args, opts: Args = {}) {
      record("aws.lambda.Invocation", this, name, args, opts);
    }
  }
  class Topic {
    readonly arn: FakeOutput;
    constructor(name: string, args: Args = {}) {
      record("aws.sns.Topic", this, name, args);
      this.arn = new FakeOutput(`arn:topic:${name}`);
    }
  }
  class TopicSubscription {
    constructor(name: string, args: Args) {
      record("aws.sns.TopicSubscription", this, name, args);
    }
  }
  class MetricAlarm {
    constructor(name: string, args: Args) {
      record("aws.cloudwatch.MetricAlarm", this, name, args);
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
    $app: { name: "voxguard", stage, removal: protect ? "retain" : "remove", protect },
    $dev: false,
    $output: (value: unknown) => new FakeOutput(unwrap(value)),
    $resolve: (values: unknown) => new FakeOutput(unwrap(values)),
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) =>
      new FakeOutput(
        strings.reduce((text, part, i) => text + part + (i < values.length ? String(unwrap(values[i])) : ""), ""),
      ),
    $transform: (component: unknown, callback: Transform) => {
      if (component !== Function) throw new Error("infra.test.ts models $transform of sst.aws.Function only");
      transforms.set(component, [...(transforms.get(component) ?? []), callback]);
    },
    sst: strict("sst", {
      Secret,
      aws: strict("sst.aws", { Queue, Bucket, Email, Vpc, Function, CronV2, ApiGatewayV2 }),
    }),
    aws: strict("aws", {
      lambda: strict("aws.lambda", { Invocation }),
      sns: strict("aws.sns", { Topic, TopicSubscription }),
      cloudwatch: strict("aws.cloudwatch", { MetricAlarm }),
    }),
  };
  return { globals, components, functions };
}

type Fake = ReturnType<typeof fakeSst>;

interface SstConfig {
  app(input: { stage: string }): Args;
  run(): Promise<Args>;
}

const STAGES_MODULE = path.join(ROOT, "infra", "stages.ts");

/**
 * Evaluates sst.config.ts's app() and run() against a fresh stand-in and fresh infra modules, as
 * `stage`. `stages` replaces infra/stages.ts's table when given.
 */
async function evaluate(options: { stage?: string; stages?: Record<string, Partial<StageSettings>> } = {}) {
  const stage = options.stage ?? "test";
  const fake = fakeSst(stage, false);
  const previous = Object.fromEntries(Object.keys(fake.globals).map((key) => [key, Reflect.get(globalThis, key)]));
  Object.assign(globalThis, fake.globals);
  vi.resetModules();
  if (options.stages) vi.doMock(STAGES_MODULE, () => ({ STAGES: options.stages }));
  try {
    const configPath = path.join(ROOT, "sst.config.ts");
    // A computed specifier keeps tsc (which type-checks this test) out of sst.config.ts: that file
    // is checked against SST's own types by `npm run typecheck:infra`.
    const config = ((await import(/* @vite-ignore */ configPath)) as { default: SstConfig }).default;
    // What SST does with app()'s answer: $app.protect is what infra reads as "production".
    fake.globals.$app.protect = Boolean(config.app({ stage }).protect);
    const outputs = await config.run();
    return { fake, config, outputs };
  } finally {
    vi.doUnmock(STAGES_MODULE);
    Object.assign(globalThis, previous);
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
const EXPORTS_HANDLER =
  /^export\s+(?:const|let|(?:async\s+)?function)\s+handler\b|^export\s*\{[^}]*\bhandler\b[^}]*\}/m;

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

const routeEntries = Object.entries(routes).map(([routeKey, route]) => ({
  routeKey,
  handler: route.handler as string,
}));

describe("handler files", () => {
  it.each(routeEntries)("$routeKey: $handler exists and exports handler", ({ handler }) => {
    const file = handlerFile(handler);
    expect(existsSync(file), `${path.relative(ROOT, file)} is missing`).toBe(true);
    expect(exportsHandler(file), `${path.relative(ROOT, file)} does not export handler`).toBe(true);
  });

  it.each(Object.values(jobs).map((job) => job.handler))("%s exists and exports handler", (handler) => {
    const file = handlerFile(handler);
    expect(existsSync(file), `${path.relative(ROOT, file)} is missing`).toBe(true);
    expect(exportsHandler(file), `${path.relative(ROOT, file)} does not export handler`).toBe(true);
  });
});

const COMPLETE: StageSettings = {
  vpc: {
    kind: "existing",
    privateSubnets: ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"],
    securityGroups: ["sg-0a1b2c3d4e5f60718"],
  },
  storage: { kind: "rustfs", bucket: "vg-exports", endpoint: "https://rustfs.internal:9000" },
  corsOrigins: ["https://app.voxguard.example"],
  alarmEmail: "oncall@voxguard.example",
  consumerConcurrency: 5,
  mail: { sender: "voxguard.example", appUrl: "https://app.voxguard.example" },
};

describe("infra registers exactly the route table, the consumer, the crons and the migrator", () => {
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
  const byVia = (prefix: string) => fake.functions.filter((fn) => fn.via.startsWith(prefix));
  const actionsOf = (fn: FunctionRecord) =>
    ((fn.args.permissions as { actions: string[] }[] | undefined) ?? []).flatMap((p) => p.actions).sort();

  it("keeps production and removes every other stage", () => {
    for (const stage of ["production", "prod"]) {
      expect(config.app({ stage })).toMatchObject({ name: "voxguard", home: "aws", removal: "retain", protect: true });
    }
    expect(config.app({ stage: "ci" })).toMatchObject({
      name: "voxguard",
      home: "aws",
      removal: "remove",
      protect: false,
    });
  });

  it("deploys one API route per route-table entry, each with its own function", () => {
    const api = only("sst.aws.ApiGatewayV2").self as { routes: string[] };
    expect([...api.routes].sort()).toEqual(Object.keys(routes).sort());
    expect(
      byVia("route:")
        .map((fn) => [fn.via.slice("route:".length), fn.handler])
        .sort(),
    ).toEqual(routeEntries.map(({ routeKey, handler }) => [routeKey, handler]).sort());
  });

  it("builds exactly the route handlers, the audit and mail consumers, the three crons and the migrator", () => {
    const expected = [
      ...routeEntries.map((entry) => entry.handler),
      ...Object.values(jobs).map((job) => job.handler),
    ].sort();
    expect(fake.functions.map((fn) => fn.handler).sort()).toEqual(expected);
  });

  it("leaves no handler file under functions/ undeployed", () => {
    const deployed = new Set(fake.functions.map((fn) => handlerFile(fn.handler)));
    const orphans = sourceFiles(path.join(ROOT, "functions"))
      .filter((file) => exportsHandler(file) && !deployed.has(file))
      .map((file) => path.relative(ROOT, file));
    expect(orphans).toEqual([]);
  });

  it("every function except the migrator waits for the deploy's migration", () => {
    const invocation = only("aws.lambda.Invocation");
    const others = fake.functions.filter((fn) => fn.handler !== MIGRATOR);
    expect(others.map((fn) => fn.via.split(":")[0]).sort()).toEqual(expect.arrayContaining(["cron", "queue", "route"]));
    expect(others.map((fn) => fn.handler)).toContain(SEALER);
    for (const fn of others) {
      expect(includes(unwrap(fn.opts?.dependsOn), invocation.self), `${fn.via} waits for the migration`).toBe(true);
    }
    const migrator = fake.functions.find((fn) => fn.handler === MIGRATOR)!;
    expect(unwrap(migrator.opts?.dependsOn) ?? []).toEqual([]);
    expect(
      includes(only("sst.aws.ApiGatewayV2").opts.dependsOn, invocation.self),
      "the API waits for the migration",
    ).toBe(true);
  });

  it("invokes the migrator on every deploy with the migrations beside it", async () => {
    const migrator = ofType("sst.aws.Function").find((component) => component.name === "Migrator")!;
    expect(migrator.args.handler).toBe(MIGRATOR);
    expect(unwrap(migrator.args.copyFiles)).toEqual([{ from: "migrations", to: "migrations" }]);
    const invocation = only("aws.lambda.Invocation");
    expect(unwrap(invocation.args.functionName)).toBe("function:Migrator");
    expect(JSON.parse(String(invocation.args.input))).toEqual({ command: "up" });
    // The trigger is what makes it run again: a second deploy, a minute later, must present a different one.
    const later = Date.now() + 60_000;
    const clock = vi.spyOn(Date, "now").mockReturnValue(later);
    const again = await evaluate().finally(() => clock.mockRestore());
    const next = again.fake.components.find((component) => component.type === "aws.lambda.Invocation")!;
    expect(unwrap(next.args.triggers)).not.toEqual(unwrap(invocation.args.triggers));
  });

  it("gives every function the shared settings and the backends' secrets as links, never as plaintext variables", () => {
    const secrets = Object.fromEntries(ofType("sst.Secret").map((secret) => [secret.name, secret.self]));
    for (const fn of fake.functions) {
      expect(fn.args.runtime, fn.via).toBe(LAMBDA_RUNTIME);
      // Exactly the bundling scripts/build.ts measures: nothing added, nothing overridden.
      const { install: _install, ...bundling } = fn.args.nodejs as Args;
      expect(bundling, fn.via).toEqual(BUNDLING);
      expect(fn.args.memory, fn.via).toMatch(/^\d+ MB$/);
      expect(fn.args.timeout, fn.via).toMatch(/^\d+ (seconds|minutes)$/);
      for (const name of ["DatabaseUrl", "RedisUrl", "QuickwitUrl"])
        expect(includes(fn.args.link, secrets[name]), `${fn.via} links ${name}`).toBe(true);
      const environment = JSON.stringify(fn.args.environment ?? {});
      expect(environment, fn.via).not.toMatch(/secret:/);
      for (const variable of Object.values(LINKED_SECRETS))
        expect(Object.keys((fn.args.environment as Args | undefined) ?? {}), fn.via).not.toContain(variable);
    }
  });

  it("declares the secrets core/config reads, optional ones with an empty placeholder", () => {
    const secrets = Object.fromEntries(ofType("sst.Secret").map((secret) => [secret.name, secret.args.placeholder]));
    expect(secrets).toEqual({
      DatabaseUrl: undefined,
      RedisUrl: "",
      QuickwitUrl: "",
      S3AccessKeyId: "",
      S3SecretAccessKey: "",
      AuditSealKey: undefined,
      AuditSealPublicKeys: "[]",
    });
    expect(Object.keys(secrets).sort()).toEqual(Object.keys(LINKED_SECRETS).sort());
  });

  it("installs argon2 only into the functions whose bundle loads it", () => {
    for (const fn of fake.functions) {
      const install = (fn.args.nodejs as Args).install;
      if (ARGON2_HANDLERS.includes(fn.handler)) expect(install, fn.via).toEqual([ARGON2]);
      else expect(install, fn.via).toBeUndefined();
    }
  });

  it("grants each function only the actions it uses: no s3:* or sqs:*, nothing linked for permissions", () => {
    const queue = ofType("sst.aws.Queue").find((component) => component.name === "Audit")!.self;
    const bucket = only("sst.aws.Bucket").self;
    for (const fn of fake.functions) {
      for (const action of actionsOf(fn)) expect(action, fn.via).not.toMatch(/\*/);
      expect(includes(fn.args.link, queue), `${fn.via} links the queue`).toBe(false);
      expect(includes(fn.args.link, bucket), `${fn.via} links the bucket`).toBe(false);
    }
    const routeActions = (routeKey: string) => actionsOf(fake.functions.find((fn) => fn.via === `route:${routeKey}`)!);
    for (const { routeKey } of routeEntries) {
      const expected = routeKey.startsWith("GET ") ? [] : ["sqs:SendMessage"];
      // The mail queue's SendMessage; its SES grant is checked with the mail infra below.
      if (MAILING_ROUTES.has(routeKey)) expected.push("sqs:SendMessage");
      if (routeKey === "GET /health") expected.push("sqs:GetQueueAttributes");
      if (routeKey === "POST /orgs/{orgId}/audit/exports")
        expected.push("s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject");
      expect(
        routeActions(routeKey).filter((action) => !action.startsWith("ses:")),
        routeKey,
      ).toEqual(expected.sort());
    }
    const exportFn = fake.functions.find((fn) => fn.via === "route:POST /orgs/{orgId}/audit/exports")!;
    expect((exportFn.args.permissions as { resources: unknown[] }[]).flatMap((p) => p.resources)).toEqual([
      "arn:queue:Audit",
      "arn:bucket:AuditExports/*",
    ]);
    expect((exportFn.args.environment as Args).S3_BUCKET).toBe("bucket:AuditExports");
    expect(actionsOf(byVia("queue:Audit")[0]!)).toEqual([...SQS_SUBSCRIBER_ACTIONS].sort());
    const crons = byVia("cron:").filter((fn) => fn.handler !== SEALER);
    for (const fn of [...crons, fake.functions.find((candidate) => candidate.handler === MIGRATOR)!])
      expect(actionsOf(fn), fn.via).toEqual([]);
    // The sealer writes digest objects under their prefix, nothing else in the bucket.
    const sealer = byVia("cron:AuditSeal")[0]!;
    expect(sealer.args.permissions).toEqual([
      { actions: ["s3:PutObject"], resources: ["arn:bucket:AuditExports/audit-seals/*"] },
    ]);
    expect((sealer.args.environment as Args).S3_BUCKET).toBe("bucket:AuditExports");
  });

  it("seals the audit trail every minute; only the sealer holds the private key, only the key routes the public ones", () => {
    const secrets = Object.fromEntries(ofType("sst.Secret").map((secret) => [secret.name, secret.self]));
    expect(ofType("sst.aws.CronV2").find((cron) => cron.name === "AuditSeal")!.args).toMatchObject({
      schedule: "rate(1 minute)",
    });
    expect(byVia("cron:AuditSeal").map((fn) => fn.handler)).toEqual([SEALER]);
    const keyReaders = [
      "route:GET /.well-known/voxguard-audit-keys.json",
      "route:GET /orgs/{orgId}/audit/verify",
      "cron:AuditSeal",
    ];
    for (const fn of fake.functions) {
      expect(includes(fn.args.link, secrets.AuditSealKey), `${fn.via} links the private key`).toBe(
        fn.via === "cron:AuditSeal",
      );
      expect(includes(fn.args.link, secrets.AuditSealPublicKeys), `${fn.via} links the public keys`).toBe(
        keyReaders.includes(fn.via),
      );
    }
  });

  it("lets the API routes send audit events to the queue", () => {
    for (const fn of byVia("route:"))
      expect((fn.args.environment as Args).AUDIT_QUEUE_URL, fn.via).toBe("https://sqs/Audit");
  });

  it("keeps audit messages 14 days in both queues and dead-letters after 5 receives", () => {
    const queues = Object.fromEntries(ofType("sst.aws.Queue").map((component) => [component.name, component]));
    for (const name of ["Audit", "AuditDeadLetter"]) {
      const transform = (queues[name]!.args.transform as { queue: (args: Args) => void }).queue;
      const args: Args = {};
      transform(args);
      expect(args, name).toEqual({ messageRetentionSeconds: 14 * 24 * 3600 });
    }
    expect(unwrap(queues.Audit!.args.dlq)).toEqual({ queue: "arn:queue:AuditDeadLetter", retry: 5 });
  });

  it("subscribes the consumer in batches of 100 over 5 s with partial responses and capped concurrency", () => {
    const audit = ofType("sst.aws.Queue").find((component) => component.name === "Audit")!.self;
    const subscription = ofType("sst.aws.Queue.subscribe").find((component) => component.self === audit)!;
    expect(subscription).toBeTruthy();
    expect(unwrap(subscription.args)).toMatchObject({
      batch: { size: 100, window: "5 seconds", partialResponses: true },
    });
    const mapping: Args = {};
    (subscription.args.transform as { eventSourceMapping: (args: Args) => void }).eventSourceMapping(mapping);
    expect(mapping).toEqual({ scalingConfig: { maximumConcurrency: 2 } });
    expect(byVia("queue:Audit").map((fn) => fn.handler)).toEqual([CONSUMER]);
  });

  it("runs the session cleanup every 15 minutes, the audit reindex every 5 and the sealer every minute, with retries", () => {
    const crons = Object.fromEntries(ofType("sst.aws.CronV2").map((cron) => [cron.name, cron.args]));
    expect(crons.SessionCleanup).toMatchObject({ schedule: "rate(15 minutes)", retries: 2 });
    expect(crons.AuditReindex).toMatchObject({ schedule: "rate(5 minutes)", retries: 2 });
    expect(crons.AuditSeal).toMatchObject({ schedule: "rate(1 minute)", retries: 1 });
    expect(
      byVia("cron:")
        .map((fn) => fn.handler)
        .sort(),
    ).toEqual([CLEANUP, REINDEX, SEALER].sort());
  });

  it("alarms to one SNS topic on the dead-letter queue, the queue's age, consumer, API 5xx rate, migrator, cleanup, reindex and sealer", () => {
    const topic = only("aws.sns.Topic");
    const alarms = Object.fromEntries(
      ofType("aws.cloudwatch.MetricAlarm").map((alarm) => [alarm.name, unwrap(alarm.args) as Args]),
    );
    expect(Object.keys(alarms).sort()).toEqual(
      [
        "ApiServerErrorRate",
        "AuditConsumerErrors",
        "AuditDeadLetterDepth",
        "AuditIndexBacklog",
        "AuditQueueOldestMessage",
        "AuditReindexErrors",
        "AuditSealErrors",
        "MailConsumerErrors",
        "MailDeadLetterDepth",
        "MigratorErrors",
        "SessionCleanupErrors",
      ].sort(),
    );
    for (const [name, alarm] of Object.entries(alarms)) {
      expect(alarm.alarmActions, name).toEqual(["arn:topic:Alarms"]);
      expect(alarm.okActions, name).toEqual(["arn:topic:Alarms"]);
    }
    expect(alarms.AuditDeadLetterDepth).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "queue:AuditDeadLetter" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(alarms.AuditQueueOldestMessage).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "queue:Audit" },
    });
    const lambdaErrors = (name: string) =>
      alarms[name] as { namespace: string; metricName: string; dimensions: { FunctionName: string } };
    expect(lambdaErrors("AuditConsumerErrors")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: "function:AuditSubscriberFunction" },
    });
    expect(lambdaErrors("MigratorErrors").dimensions.FunctionName).toBe("function:Migrator");
    expect(lambdaErrors("SessionCleanupErrors").dimensions.FunctionName).toBe("function:SessionCleanupHandler");
    expect(lambdaErrors("AuditReindexErrors").dimensions.FunctionName).toBe("function:AuditReindexHandler");
    expect(lambdaErrors("AuditSealErrors").dimensions.FunctionName).toBe("function:AuditSealHandler");
    const queries = (
      alarms.ApiServerErrorRate as { metricQueries: { id: string; metric?: Args; expression?: string }[] }
    ).metricQueries;
    expect(queries.map((query) => query.metric?.metricName ?? query.expression)).toEqual([
      "5xx",
      "Count",
      "IF(requests > 0, 100 * errors / requests, 0)",
    ]);
    expect(queries[0]!.metric).toMatchObject({ namespace: "AWS/ApiGateway", dimensions: { ApiId: "api:Api" } });
    expect(alarms.AuditIndexBacklog).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName: Metric.auditIndexBacklog,
    });
    // No address for a development stage: the topic only.
    expect(ofType("aws.sns.TopicSubscription")).toEqual([]);
    expect(topic.name).toBe("Alarms");
  });

  it("answers no CORS by default: API Gateway's own default would be every origin", () => {
    expect(only("sst.aws.ApiGatewayV2").args.cors).toBe(false);
    for (const fn of byVia("route:")) expect((fn.args.environment as Args).CORS_ORIGINS, fn.via).toBe("");
  });

  it("returns the API URL, the queues, the dead-letter queue's ARN, the alarm topic and the export bucket", () => {
    expect(unwrap(outputs)).toEqual({
      api: "https://api/Api",
      auditQueue: "https://sqs/Audit",
      auditDeadLetterQueue: "https://sqs/AuditDeadLetter",
      auditDeadLetterQueueArn: "arn:queue:AuditDeadLetter",
      alarmTopic: "arn:topic:Alarms",
      mailQueue: "https://sqs/Mail",
      mailDeadLetterQueue: "https://sqs/MailDeadLetter",
      exportBucket: "bucket:AuditExports",
    });
  });
});

describe("per-stage settings", () => {
  it("refuse to deploy a protected stage whose settings are incomplete, naming what is missing", async () => {
    await expect(evaluate({ stage: "production" })).rejects.toThrow(
      'infra/stages.ts, stage "production": missing vpc, storage, corsOrigins, alarmEmail, consumerConcurrency, mail',
    );
    await expect(evaluate({ stage: "prod", stages: { prod: { ...COMPLETE, alarmEmail: undefined } } })).rejects.toThrow(
      /stage "prod": missing alarmEmail$/,
    );
  });

  it("ignore the deployer's shell: the old VOXGUARD_* variables change nothing", async () => {
    process.env.VOXGUARD_VPC = "new";
    process.env.VOXGUARD_STORAGE = "rustfs";
    try {
      const { fake } = await evaluate();
      expect(fake.components.filter((component) => component.type === "sst.aws.Vpc")).toEqual([]);
      expect(fake.components.filter((component) => component.type === "sst.aws.Bucket")).toHaveLength(1);
    } finally {
      delete process.env.VOXGUARD_VPC;
      delete process.env.VOXGUARD_STORAGE;
    }
  });

  it("put a complete production stage in its VPC, on its RustFS, with its origins, address and concurrency", async () => {
    const { fake } = await evaluate({ stage: "production", stages: { production: COMPLETE } });
    expect(fake.components.filter((component) => component.type === "sst.aws.Bucket")).toEqual([]);
    const secrets = Object.fromEntries(
      fake.components.filter((c) => c.type === "sst.Secret").map((secret) => [secret.name, secret.self]),
    );
    for (const fn of fake.functions) {
      expect(fn.args.vpc, fn.via).toEqual({
        privateSubnets: COMPLETE.vpc.kind === "existing" ? COMPLETE.vpc.privateSubnets : [],
        securityGroups: ["sg-0a1b2c3d4e5f60718"],
      });
      const exporter = fn.via === "route:POST /orgs/{orgId}/audit/exports" || fn.via === "cron:AuditSeal";
      expect(includes(fn.args.link, secrets.S3SecretAccessKey), `${fn.via} links the RustFS keys`).toBe(exporter);
      if (exporter)
        expect(fn.args.environment).toMatchObject({
          S3_BUCKET: "vg-exports",
          AWS_ENDPOINT_URL_S3: "https://rustfs.internal:9000",
        });
      else expect(Object.keys((fn.args.environment as Args | undefined) ?? {}), fn.via).not.toContain("S3_BUCKET");
      if (fn.via.startsWith("route:"))
        expect((fn.args.environment as Args).CORS_ORIGINS).toBe("https://app.voxguard.example");
    }
    const api = fake.components.find((component) => component.type === "sst.aws.ApiGatewayV2")!;
    expect(api.args.cors).toEqual({
      allowOrigins: ["https://app.voxguard.example"],
      allowMethods: [...new Set(Object.keys(routes).map((key) => key.split(" ")[0]))],
      allowHeaders: ["authorization", "content-type"],
      exposeHeaders: ["x-request-id", "retry-after"],
      maxAge: "3600 seconds",
    });
    const subscription = fake.components.find((component) => component.type === "sst.aws.Queue.subscribe")!;
    const mapping: Args = {};
    (subscription.args.transform as { eventSourceMapping: (args: Args) => void }).eventSourceMapping(mapping);
    expect(mapping).toEqual({ scalingConfig: { maximumConcurrency: 5 } });
    const email = fake.components.filter((component) => component.type === "aws.sns.TopicSubscription");
    expect(email.map((subscriptionOf) => unwrap(subscriptionOf.args))).toEqual([
      { topic: "arn:topic:Alarms", protocol: "email", endpoint: "oncall@voxguard.example" },
    ]);
  });

  it("create a VPC for a stage that asks for one", async () => {
    const { fake } = await evaluate({ stage: "staging", stages: { staging: { vpc: { kind: "new" } } } });
    const vpcs = fake.components.filter((component) => component.type === "sst.aws.Vpc");
    expect(vpcs).toHaveLength(1);
    for (const fn of fake.functions) expect(fn.args.vpc, fn.via).toBe(vpcs[0]!.self);
  });

  it.each([
    [
      { vpc: { kind: "existing", privateSubnets: [], securityGroups: ["sg-0a1b2c3d4e5f60718"] } },
      /vpc.privateSubnets must be subnet ids/,
    ],
    [
      { vpc: { kind: "existing", privateSubnets: ["subnet-0a1b2c3d4e5f60718"], securityGroups: ["default"] } },
      /vpc.securityGroups must be security group ids/,
    ],
    [{ corsOrigins: ["app.example.com"] }, /corsOrigins must be origins/],
    [{ alarmEmail: "oncall" }, /alarmEmail is not an email address/],
    [{ consumerConcurrency: 1 }, /consumerConcurrency must be a whole number from 2 to 1000/],
    [
      { storage: { kind: "rustfs", bucket: "Exports!", endpoint: "https://rustfs:9000" } },
      /storage.bucket is not a bucket name/,
    ],
  ] as [Partial<StageSettings>, RegExp][])("reject a malformed value %#", (own, message) => {
    expect(() => resolveSettings("staging", false, { staging: own })).toThrow(message);
  });
});

describe("mail: the SES identity, the mail queue and its consumer, least privilege", () => {
  const MAIL = { sender: "mail.example.com", appUrl: "https://app.example.com" };
  const SENDER = { stages: { test: { mail: MAIL } } };
  const sesPermissions = (fn: FunctionRecord) =>
    ((fn.args.permissions as { actions: string[]; resources: unknown[] }[] | undefined) ?? []).filter((permission) =>
      permission.actions.some((action) => action.startsWith("ses:")),
    );

  it("creates the sender identity and gives ses:SendEmail on it alone, to the consumer and the routes that mail", async () => {
    const { fake } = await evaluate(SENDER);
    const emails = fake.components.filter((component) => component.type === "sst.aws.Email");
    expect(emails.map((email) => email.args)).toEqual([{ sender: "mail.example.com" }]);
    const mailQueue = fake.components.find(
      (component) => component.type === "sst.aws.Queue" && component.name === "Mail",
    )!;
    expect(unwrap(mailQueue.args.dlq)).toEqual({ queue: "arn:queue:MailDeadLetter", retry: 5 });
    const subscription = fake.components.find(
      (component) => component.type === "sst.aws.Queue.subscribe" && component.self === mailQueue.self,
    )!;
    expect(unwrap(subscription.args)).toMatchObject({ batch: { partialResponses: true } });

    const consumer = fake.functions.find((fn) => fn.via === "queue:Mail")!;
    expect(consumer.handler).toBe(MAIL_CONSUMER);
    const allowed = [
      { actions: ["ses:SendEmail"], resources: ["arn:ses:identity:MailSender", "arn:ses:configset:MailSender"] },
    ];
    expect(sesPermissions(consumer)).toEqual(allowed);
    expect(consumer.args.environment).toMatchObject({
      MAIL_FROM: "VoxGuard <no-reply@mail.example.com>",
      APP_URL: "https://app.example.com",
      MAIL_QUEUE_URL: "https://sqs/Mail",
    });

    for (const fn of fake.functions.filter((candidate) => candidate.via.startsWith("route:"))) {
      const routeKey = fn.via.slice("route:".length);
      const mails = MAILING_ROUTES.has(routeKey);
      expect(sesPermissions(fn), routeKey).toEqual(mails ? allowed : []);
      expect(includes(fn.args.link, mailQueue.self), `${routeKey} links no queue`).toBe(false);
      const sends = ((fn.args.permissions as { actions: string[]; resources: unknown[] }[] | undefined) ?? []).filter(
        (permission) => permission.resources.includes("arn:queue:Mail"),
      );
      expect(
        sends.flatMap((permission) => permission.actions),
        routeKey,
      ).toEqual(mails ? ["sqs:SendMessage"] : []);
      expect((fn.args.environment as Args).MAIL_QUEUE_URL, routeKey).toBe(mails ? "https://sqs/Mail" : undefined);
    }
    for (const fn of fake.functions.filter(
      (candidate) => !candidate.via.startsWith("route:") && candidate.via !== "queue:Mail",
    )) {
      expect(sesPermissions(fn), fn.via).toEqual([]);
    }
  });

  it("names every mailing route from the route table", async () => {
    // infra/mail.ts needs SST's globals at import: its list is read through an evaluation.
    const { fake } = await evaluate(SENDER);
    const linked = fake.functions
      .filter((fn) => fn.via.startsWith("route:") && sesPermissions(fn).length > 0)
      .map((fn) => fn.via.slice("route:".length));
    for (const routeKey of linked) expect(Object.keys(routes)).toContain(routeKey);
    expect(linked).toHaveLength(6);
  });

  it("adds the recipients' identities in the sandbox", async () => {
    const { fake } = await evaluate({ stages: { test: { mail: { ...MAIL, sandbox: true } } } });
    const consumer = fake.functions.find((fn) => fn.via === "queue:Mail")!;
    expect(sesPermissions(consumer)[0]!.resources).toContain("arn:aws:ses:*:*:identity/*");
  });

  it("without a sender: no identity, no SES permission, no MAIL_FROM, but the queue stays", async () => {
    const { fake } = await evaluate();
    expect(fake.components.filter((component) => component.type === "sst.aws.Email")).toEqual([]);
    for (const fn of fake.functions) {
      expect(sesPermissions(fn), fn.via).toEqual([]);
      expect((fn.args.environment as Args | undefined)?.MAIL_FROM, fn.via).toBeUndefined();
    }
    expect(fake.functions.filter((fn) => fn.via === "queue:Mail").map((fn) => fn.handler)).toEqual([MAIL_CONSUMER]);
  });
});
