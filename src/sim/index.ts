export { startSimulator, type Simulator } from './server.js';
export { SIMULATOR_HEADER, SIMULATOR_FINGERPRINT, SIM_MODEL_PREFIX, CALL_ID_HEADER } from './labels.js';
export { SimOptions, type SimOptionsInput } from './options.js';
export type { SimStatsSnapshot, RetryGap } from './stats.js';
export { MathSimOptions, mathClass, simulatedAnswer, attemptAnswer, type MathClass } from './math.js';
