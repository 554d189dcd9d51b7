import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * zod for every schema of the app: `zod/mini`, whose functions a bundle keeps only when it uses
 * them (the classic API's methods bring all of zod into every function). Mini loads no messages, so
 * every issue would read "Invalid input"; the English ones classic zod loads are configured here,
 * once, before any schema can parse. Import it as `import * as z from "@voxguard/core/zod"` (in
 * core: "../zod/index.ts"), never "zod" or "zod/mini" directly.
 */
config(en());

export * from "zod/mini";
