export { AuditAction } from "./action.ts";
export { AuditExportRequest } from "./input.ts";
export { AuditQuery } from "./query.ts";
export { AuditExportInfo, Info } from "./schema.ts";
export * from "./event.ts";
export { store } from "./store.ts";
export { emit, toEvent, type AuditInput } from "./emit.ts";
export { consume, type ConsumeResult, type QueueRecord } from "./consume.ts";
export {
  backlogSize,
  deferIndexing,
  reindexBacklog,
  type ReindexOptions,
  type ReindexResult,
} from "./index-backlog.ts";
export { list, type AuditScope } from "./list.ts";
export { exportTrail } from "./export.ts";
