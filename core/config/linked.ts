import { Resource } from "sst/resource";
import { LINKED_SECRETS } from "./linked-secrets.ts";

/**
 * The linked secrets' values under the variable names config() reads. SST's `Resource` decrypts
 * them from the bundle (SST_KEY_FILE, in a deployed function) or reads them from SST_RESOURCE_*
 * (`sst shell`). Outside both, `Resource` is never touched and this is empty.
 */
export function linkedVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  if (!env.SST_KEY_FILE && !Object.keys(env).some((key) => key.startsWith("SST_RESOURCE_"))) return {};
  const linked = Resource as unknown as Record<string, { value?: unknown } | undefined>;
  const variables: Record<string, string> = {};
  for (const [name, variable] of Object.entries(LINKED_SECRETS)) {
    if (!(name in linked)) continue;
    const value = linked[name]?.value;
    if (typeof value === "string") variables[variable] = value;
  }
  return variables;
}
