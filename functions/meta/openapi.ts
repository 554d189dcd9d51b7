import { openApiDocument } from "../edge/openapi.ts";
import { route } from "../edge/route.ts";
import { openApi } from "../routes.ts";

export const handler = route(openApi, async () => ({ status: 200, body: await openApiDocument() }));
