import { applyFunctionDefaults } from "./function-defaults.ts";

// Runs `up` with the TypeScript runner against DATABASE_URL. The migrations are copied beside the
// bundle (migrations/ under LAMBDA_TASK_ROOT).
const migratorArgs: sst.aws.FunctionArgs = {
  handler: "functions/jobs/migrate.handler",
  timeout: "15 minutes",
  copyFiles: [{ from: "migrations", to: "migrations" }],
};
applyFunctionDefaults(migratorArgs);

export const migrator = new sst.aws.Function("Migrator", migratorArgs);

// Invoked synchronously on every deploy (the trigger changes each time); a handler that throws fails
// the deploy before the API's functions change: migrations first, then code. Not in `sst dev`, where
// the function is a stub of the local process.
export const migration = $dev
  ? undefined
  : new aws.lambda.Invocation("MigratorInvocation", {
      functionName: migrator.name,
      input: JSON.stringify({ command: "up" }),
      triggers: { deployedAt: String(Date.now()) },
    });
