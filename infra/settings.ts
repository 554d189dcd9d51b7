import { resolveSettings } from "./stage-settings.ts";
import { STAGES } from "./stages.ts";

export type { StageSettings, StorageSetting, VpcSetting } from "./stage-settings.ts";

/** This deploy's settings: infra/stages.ts's entry for $app.stage, complete if the stage is protected. */
export const settings = resolveSettings($app.stage, $app.protect, STAGES);
