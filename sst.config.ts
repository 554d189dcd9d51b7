/// <reference path="./.sst/platform/config.d.ts" />

// Stages whose resources outlive `sst remove` and that refuse to be removed at all.
const PRODUCTION_STAGES = ["production", "prod"];

export default $config({
  app(input) {
    const production = PRODUCTION_STAGES.includes(input?.stage ?? "");
    return {
      name: "voxguard",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
      // Pinned so that `sst install` (and the offline type-check in CI) resolves the same provider
      // every time instead of whatever "latest" is that day.
      providers: { aws: { version: "7.20.0" } },
    };
  },
  async run() {
    // Order matters: each file may use what the ones before it export, and every function created
    // after database.ts waits for the deploy's migration.
    await import("./infra/secrets.ts");
    await import("./infra/network.ts");
    const { storage } = await import("./infra/storage.ts");
    await import("./infra/database.ts");
    const { auditQueue, auditDlq } = await import("./infra/queue.ts");
    const { mailQueue, mailDlq } = await import("./infra/mail.ts");
    await import("./infra/cron.ts");
    await import("./infra/audit-seal.ts");
    const { api } = await import("./infra/api.ts");
    const { alarmTopic } = await import("./infra/alarms.ts");
    return {
      api: api.url,
      auditQueue: auditQueue.url,
      auditDeadLetterQueue: auditDlq.url,
      // What `npm run audit:redrive` and `aws sqs start-message-move-task` take.
      auditDeadLetterQueueArn: auditDlq.arn,
      alarmTopic: alarmTopic.arn,
      mailQueue: mailQueue.url,
      mailDeadLetterQueue: mailDlq.url,
      exportBucket: storage.bucketName,
    };
  },
});
