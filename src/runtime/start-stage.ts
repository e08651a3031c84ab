import type { Stage } from './stage.js';
import type { RuntimeDeps, StageHandle } from './types.js';
import { StageRunner } from './stage-runner.js';

/** Start consuming for `stage`; see RuntimeDeps and StageHandle for the contract. */
export async function startStage<I>(stage: Stage<I>, deps: RuntimeDeps): Promise<StageHandle> {
  const runner = new StageRunner(stage as Stage<unknown>, deps);
  await runner.start();
  return runner.handle();
}
