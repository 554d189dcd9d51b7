/**
 * What a browser on an allowed origin may send and read. The edge adds these to answers (the local
 * server, and `sst dev`); in AWS, API Gateway answers CORS itself from the same lists
 * (infra/api.ts) and ignores the function's CORS headers.
 */
export const CORS_ALLOW_HEADERS = ["authorization", "content-type"];
export const CORS_EXPOSE_HEADERS = ["x-request-id", "retry-after"];
export const CORS_MAX_AGE_SECONDS = 3600;
