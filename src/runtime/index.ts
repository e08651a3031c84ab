/**
 * The stream runtime: the only code in personahub that consumes, produces and commits.
 *
 *   const handle = await startStage(stage, { config, metrics, logger, codec });
 *   await handle.ready; ... await handle.stop();
 *
 *   const proc = await runStages([stageA, stageB], deps);   // one HTTP server, SIGTERM drains all
 *   await proc.done;
 *
 * See docs/runtime.md for delivery guarantees, ordering, backpressure and error handling.
 */
export type { RuntimeDeps, StageHandle, ProcessHandle, ProcessOptions, StageFactory, StageFactoryContext } from './types.js';
export type { Stage, StageOutput, StageContext, RecordMeta, Ordering, StageDeps } from './stage.js';
export type { Codec } from './codec.js';
export { RuntimeConfig } from './config.js';
export { startStage } from './start-stage.js';
export { runStages } from './process-host.js';
export { jsonCodec } from './json-codec.js';
export { registerStageFactory, getStageFactory, stageFactoryNames } from './registry.js';
