/**
 * Stands in for the `debug` package in function bundles (scripts/build.ts aliases it here). ioredis
 * wraps every debug logger it makes at load; with the real package that costs the cold start its
 * module, its environment parsing and its color tables, for output that only `DEBUG=ioredis:*`
 * would turn on, which no function sets. These loggers are off and stay off.
 */
interface Debugger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  log: (...args: unknown[]) => void;
  destroy: () => boolean;
  extend: (namespace: string, delimiter?: string) => Debugger;
}

function off(): void {}

function createDebug(namespace: string): Debugger {
  const logger = Object.assign((..._args: unknown[]) => undefined, {
    enabled: false,
    namespace,
    log: off,
    destroy: () => false,
    extend: (child: string, delimiter = ":") => createDebug(`${namespace}${delimiter}${child}`),
  });
  return logger;
}

createDebug.enable = off;
createDebug.disable = () => "";
createDebug.enabled = (_namespace: string) => false;

export default createDebug;
