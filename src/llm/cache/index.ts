export * from './config.js';
export * from './entry.js';
export * from './key.js';
export * from './types.js';
export { KafkaResponseCache } from './kafka-cache.js';
