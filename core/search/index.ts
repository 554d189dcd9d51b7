export * from "./quickwit.ts";
export * from "./audit-index.ts";
export * from "./audit-search.ts";
