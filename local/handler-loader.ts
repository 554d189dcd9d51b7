import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

// biome-ignore lint/suspicious/noExplicitAny: loose on purpose, HTTP, SQS and scheduled handlers all come through here
export type LambdaHandler = (event: any, context: Context) => unknown;

const cache = new Map<string, Promise<LambdaHandler>>();
const EXTENSIONS = [".ts", ".js", ".mjs"];

/** The file a handler spec names, or undefined when it doesn't exist (yet). */
export function handlerFile(rootDir: string, spec: string): string | undefined {
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) throw new Error(`handler "${spec}" is not in "path/to/file.export" form`);
  const base = path.resolve(rootDir, spec.slice(0, dot));
  return EXTENSIONS.map((ext) => base + ext).find((file) => existsSync(file));
}

async function importHandler(rootDir: string, spec: string): Promise<LambdaHandler> {
  const file = handlerFile(rootDir, spec);
  if (!file) throw new Error(`handler "${spec}": no such file under ${rootDir}`);
  const exportName = spec.slice(spec.lastIndexOf(".") + 1);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== "function") throw new Error(`handler "${spec}": ${file} exports no function "${exportName}"`);
  return handler as LambdaHandler;
}

/**
 * Loads "functions/x/y.handler" (SST's notation, relative to the repo root) once, like a warm
 * Lambda keeps its module. A failed load is forgotten so the next request tries again.
 */
export function loadHandler(rootDir: string, spec: string): Promise<LambdaHandler> {
  const key = `${path.resolve(rootDir)}\0${spec}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = importHandler(rootDir, spec);
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}
