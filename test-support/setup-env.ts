import { inject } from "vitest";

// Each worker reads the run's database and cache namespace before any core module reads config().
process.env.DATABASE_URL = inject("databaseUrl");
process.env.CACHE_KEY_PREFIX = inject("cacheKeyPrefix");
process.env.AUDIT_SEAL_KEY = inject("auditSealKey");
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
process.env.LOG_LEVEL ??= "ERROR";
