import { z } from 'zod';
import { ExtractConfig } from './extract/spec.js';
import { ExpandConfig } from './expand/spec.js';
import { SynthesizeConfig } from './synthesize/spec.js';
import { VerifyMathConfig } from './verify-math/spec.js';
import { DiversityConfig } from './diversity/spec.js';

/**
 * Per-stage settings of the dataflow. Each stage owns its section in src/stages/<stage>/spec.ts (descriptions and
 * defaults there are the documentation); this file only composes them.
 */
export const StagesConfig = z
  .object({
    extract: ExtractConfig,
    expand: ExpandConfig,
    synthesize: SynthesizeConfig,
    verifyMath: VerifyMathConfig,
    diversity: DiversityConfig,
  })
  .default({
    extract: ExtractConfig.parse(undefined),
    expand: ExpandConfig.parse(undefined),
    synthesize: SynthesizeConfig.parse(undefined),
    verifyMath: VerifyMathConfig.parse(undefined),
    diversity: DiversityConfig.parse(undefined),
  });
export type StagesConfig = z.infer<typeof StagesConfig>;
