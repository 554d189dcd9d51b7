import { jobs } from "../functions/jobs.ts";
import { applyFunctionDefaults, waitForMigration } from "./function-defaults.ts";

// Runs `up` with the TypeScript runner against the linked DatabaseUrl. The migrations are copied
// beside the bundle (migrations/ under LAMBDA_TASK_ROOT). A database already past these files (a
// rollback deploys older code) is success: nothing runs, the deploy goes on.
const migratorArgs: sst.aws.FunctionArgs = {
  handler: jobs.migrator.handler,
  timeout: "15 minutes",
  copyFiles: [{ from: "migrations", to: "migrations" }],
};
applyFunctionDefaults(migratorArgs);

export const migrator = new sst.aws.Function("Migrator", migratorArgs, {});

// Invoked synchronously on every deploy (the trigger changes each time); a handler that throws fails
// the deploy before any other function changes: migrations first, then code. Not in `sst dev`, where
// the function is a stub of the local process.
export const migration = $dev
  ? undefined
  : new aws.lambda.Invocation("MigratorInvocation", {
      functionName: migrator.name,
      input: JSON.stringify({ command: "up" }),
      triggers: { deployedAt: String(Date.now()) },
    });

// Every function constructed from here on (routes, consumer, crons) waits for it.
if (migration) waitForMigration(migration);
