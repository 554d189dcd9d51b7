// Deploy-time choices that are not secrets, read from the environment `sst deploy` runs in.
// Unset, the stage runs outside any VPC and keeps audit exports in an S3 bucket of its own.

export type VpcSetting =
  | { kind: "none" }
  | { kind: "new" }
  | { kind: "existing"; privateSubnets: string[]; securityGroups: string[] };

export type StorageSetting = { kind: "s3" } | { kind: "rustfs"; bucket: string };

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((item) => item.trim()).filter(Boolean);
}

export function readSettings(env: Record<string, string | undefined>) {
  const subnets = list(env.VOXGUARD_VPC_SUBNETS);
  const securityGroups = list(env.VOXGUARD_VPC_SECURITY_GROUPS);
  if (subnets.length > 0 !== securityGroups.length > 0) {
    throw new Error("VOXGUARD_VPC_SUBNETS and VOXGUARD_VPC_SECURITY_GROUPS go together");
  }
  const vpc: VpcSetting =
    subnets.length > 0
      ? { kind: "existing", privateSubnets: subnets, securityGroups }
      : env.VOXGUARD_VPC === "new"
        ? { kind: "new" }
        : { kind: "none" };
  const storage: StorageSetting =
    env.VOXGUARD_STORAGE === "rustfs"
      ? { kind: "rustfs", bucket: env.VOXGUARD_S3_BUCKET || "voxguard-exports" }
      : { kind: "s3" };
  return { vpc, storage };
}

export const settings = readSettings(process.env);
