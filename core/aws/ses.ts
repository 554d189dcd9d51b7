import { config } from "../config/index.ts";
import { credentialsFromEnv, sign, type Credentials } from "./signature-v4.ts";
import { post, type Answer } from "./sqs.ts";
import { AwsError } from "./error.ts";

/**
 * SES v2 SendEmail (`POST /v2/email/outbound-emails`, REST-JSON, signed for service `ses`), the one
 * SES call the mail consumer makes; like the SQS client, no SDK client in the bundle.
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * https://docs.aws.amazon.com/general/latest/gr/ses.html (endpoints: email.<region>.amazonaws.com)
 */

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export class SesError extends AwsError {
  override name = "SesError";
}

function region(): string {
  return config().aws.region ?? "us-east-1";
}

function errorOf(answer: Answer): SesError {
  let parsed: { message?: string; Message?: string; __type?: string } = {};
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    // Not JSON: the status says enough.
  }
  return new SesError(
    parsed.message ?? parsed.Message ?? `SES answered ${answer.status}`,
    answer.status,
    parsed.__type?.split("#").pop() ?? `HTTP${answer.status}`,
  );
}

/**
 * Sends one message; answers SES's MessageId. `endpoint` overrides SES's regional endpoint (a local
 * SES v2 endpoint). Throws SesError on any failure: the caller's queue retries.
 */
export async function sendEmail(
  email: OutgoingEmail,
  endpoint: string | undefined,
  credentials: Credentials | undefined = credentialsFromEnv(),
): Promise<string> {
  if (!credentials) throw new SesError("no AWS credentials in the environment", undefined, "CredentialsMissing");
  const base = endpoint ?? `https://email.${region()}.amazonaws.com`;
  const url = new URL("/v2/email/outbound-emails", base);
  const body = JSON.stringify({
    FromEmailAddress: email.from,
    Destination: { ToAddresses: [email.to] },
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: "UTF-8" },
        Body: { Text: { Data: email.text, Charset: "UTF-8" }, Html: { Data: email.html, Charset: "UTF-8" } },
      },
    },
  });
  const headers = sign(
    { method: "POST", url, headers: { "content-type": "application/json" }, body },
    { service: "ses", region: region(), credentials },
  );
  let answer: Answer;
  try {
    answer = await post(url, { ...headers, "content-length": String(Buffer.byteLength(body)) }, body);
  } catch (cause) {
    const error = cause as NodeJS.ErrnoException;
    throw new SesError(`SES unreachable: ${error.message}`, undefined, error.code ?? "NetworkError");
  }
  if (answer.status < 200 || answer.status >= 300) throw errorOf(answer);
  return (JSON.parse(answer.body) as { MessageId: string }).MessageId;
}
