import { inject } from "vitest";

// Each worker reads the run's database and cache namespace before any core module reads config().
process.env.DATABASE_URL = inject("databaseUrl");
process.env.CACHE_KEY_PREFIX = inject("cacheKeyPrefix");
process.env.AUDIT_SEAL_KEY = inject("auditSealKey");
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
process.env.LOG_LEVEL ??= "ERROR";
// Every file registers its users and asks for password resets from 127.0.0.1 under the run's one
// key prefix: far more than a real address may. The files that test these limits set their own.
process.env.REGISTER_LIMIT_PER_IP ??= "1000000";
process.env.PASSWORD_FORGOT_LIMIT_PER_IP ??= "1000000";
