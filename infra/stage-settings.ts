// Deploy-time choices that are not secrets, per stage, from infra/stages.ts: never from the
// environment `sst deploy` happens to run in, so one deploy from a bare shell can't take the
// functions out of their VPC. A stage missing from the table gets the development defaults; a
// protected stage (production) must set every field or the deploy stops before it changes anything.

export type VpcSetting =
  | { kind: "none" }
  | { kind: "new" }
  | { kind: "existing"; privateSubnets: string[]; securityGroups: string[] };

/** Exports in an S3 bucket of the stage's own, or in an existing bucket of an S3-compatible store. */
export type StorageSetting = { kind: "s3" } | { kind: "rustfs"; bucket: string; endpoint: string };

/**
 * Mail through SES: `sender` is a domain (verified through DNS) or one address; `from` defaults to
 * "VoxGuard <no-reply@domain>" or the address; `appUrl` is where the mails' links point; `sandbox`
 * while the SES account is in the sandbox (IAM then checks SendEmail against each recipient too).
 */
export interface MailSetting {
  sender: string;
  from?: string;
  appUrl?: string;
  sandbox?: boolean;
}

export interface StageSettings {
  vpc: VpcSetting;
  storage: StorageSetting;
  /** Browser origins the API answers CORS for (`https://app.example.com`); `["*"]` any, `[]` none. */
  corsOrigins: string[];
  /** Mailed every alarm (an SNS email subscription, confirmed once by its owner); null: the topic only. */
  alarmEmail: string | null;
  /**
   * The audit consumer's most concurrent invocations (the event source mapping's
   * maximumConcurrency, 2–1000): each holds DATABASE_POOL_MAX connections.
   */
  consumerConcurrency: number;
  /** null: no sender identity and no mail sent (functions log it once); requests still enqueue. */
  mail: MailSetting | null;
}

export const DEVELOPMENT_SETTINGS: StageSettings = {
  vpc: { kind: "none" },
  storage: { kind: "s3" },
  corsOrigins: [],
  alarmEmail: null,
  consumerConcurrency: 2,
  mail: null,
};

const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The stage's settings, checked; throws one message naming every missing or malformed field. */
export function resolveSettings(
  stage: string,
  production: boolean,
  table: Record<string, Partial<StageSettings>>,
): StageSettings {
  const own = table[stage] ?? {};
  const problems: string[] = [];
  if (production) {
    const missing = (Object.keys(DEVELOPMENT_SETTINGS) as (keyof StageSettings)[]).filter(
      (key) => own[key] === undefined,
    );
    if (missing.length > 0) problems.push(`missing ${missing.join(", ")}`);
  }
  const given = Object.fromEntries(Object.entries(own).filter(([, value]) => value !== undefined));
  const settings: StageSettings = { ...DEVELOPMENT_SETTINGS, ...given };
  const { vpc, storage } = settings;
  if (vpc.kind === "existing") {
    if (vpc.privateSubnets.length === 0 || !vpc.privateSubnets.every((id) => SUBNET.test(id)))
      problems.push("vpc.privateSubnets must be subnet ids");
    if (vpc.securityGroups.length === 0 || !vpc.securityGroups.every((id) => SECURITY_GROUP.test(id)))
      problems.push("vpc.securityGroups must be security group ids");
  }
  if (storage.kind === "rustfs") {
    if (!BUCKET.test(storage.bucket)) problems.push("storage.bucket is not a bucket name");
    if (!/^https?:\/\/\S+$/.test(storage.endpoint)) problems.push("storage.endpoint is not an http(s) URL");
  }
  if (!settings.corsOrigins.every((origin) => origin === "*" || ORIGIN.test(origin)))
    problems.push("corsOrigins must be origins like https://app.example.com, or *");
  if (settings.alarmEmail !== null && !EMAIL.test(settings.alarmEmail))
    problems.push("alarmEmail is not an email address");
  if (
    !Number.isInteger(settings.consumerConcurrency) ||
    settings.consumerConcurrency < 2 ||
    settings.consumerConcurrency > 1000
  ) {
    problems.push("consumerConcurrency must be a whole number from 2 to 1000 (SQS maximumConcurrency)");
  }
  if (settings.mail !== null) {
    const { sender, appUrl } = settings.mail;
    if (!EMAIL.test(sender) && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(sender))
      problems.push("mail.sender must be a domain or an email address");
    if (appUrl !== undefined && !/^https?:\/\/\S+$/.test(appUrl)) problems.push("mail.appUrl is not an http(s) URL");
  }
  if (problems.length > 0) throw new Error(`infra/stages.ts, stage "${stage}": ${problems.join("; ")}`);
  return settings;
}
