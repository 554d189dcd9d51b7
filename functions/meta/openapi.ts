import { openApiDocument } from "../edge/openapi.ts";
import { route } from "../edge/route.ts";

export const handler = route("GET /openapi.json", async () => ({ status: 200, body: await openApiDocument() }));
