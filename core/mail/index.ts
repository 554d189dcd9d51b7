export { MailJob } from "./schema.ts";
export { render, type Rendered, type Template } from "./templates.ts";
export { deliver } from "./deliver.ts";
export { enqueue, dispatch } from "./enqueue.ts";
export { consume, type MailRecord } from "./consume.ts";
