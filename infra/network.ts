import { settings } from "./settings.ts";

// YugabyteDB, DragonflyDB, Quickwit and RustFS are reached over private addresses, so the functions
// join a VPC when the stage has one. A NAT instance keeps SQS and S3 reachable from inside a new
// one; in an existing VPC that is the subnets' route (NAT or VPC endpoints, see the README).
function createVpc(): sst.aws.FunctionArgs["vpc"] {
  switch (settings.vpc.kind) {
    case "new":
      return new sst.aws.Vpc("Vpc", { nat: "ec2" });
    case "existing":
      return { privateSubnets: settings.vpc.privateSubnets, securityGroups: settings.vpc.securityGroups };
    case "none":
      return undefined;
  }
}

export const vpc = createVpc();
