export { startSimulator, SIMULATOR_HEADER, SIMULATOR_FINGERPRINT, CALL_ID_HEADER, type Simulator } from './server.js';
export { SimOptions, type SimOptionsInput } from './options.js';
export type { SimStatsSnapshot, RetryGap } from './stats.js';
