// Stands in for pg's native client (pg/lib/native) in function bundles (infra/esbuild-plugins.mjs).
// That client needs the pg-native addon, which SST always marks external and no function installs,
// so in a bundle it can only fail to load, as this does, with the MODULE_NOT_FOUND that pg's lazy
// `native` getter expects (it answers null) and NODE_PG_FORCE_NATIVE turns into a failed start.
// Without the stand-in every bundle carried the client and its query class, never run.
throw Object.assign(new Error("Cannot find module 'pg-native' (not installed in this function)"), {
  code: "MODULE_NOT_FOUND",
});
