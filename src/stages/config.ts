import { z } from 'zod';

/** Per-stage settings of the dataflow (extract, expand, synthesize). Filled in by the dataflow issue. */
export const StagesConfig = z.object({}).passthrough().default({});
export type StagesConfig = z.infer<typeof StagesConfig>;
