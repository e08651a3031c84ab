import type { Stage } from './stage.js';
import type { RuntimeDeps, StageHandle } from './types.js';
import { StageRunner } from './stage-runner.js';

/**
 * Start consuming for `stage`; see RuntimeDeps and StageHandle for the contract. `created` receives the handle
 * before the start (which waits for the broker for as long as it is unreachable), so a process asked to stop
 * meanwhile can stop this stage too: the start then ends with an error instead of waiting on.
 */
export async function startStage<I>(stage: Stage<I>, deps: RuntimeDeps, created?: (handle: StageHandle) => void): Promise<StageHandle> {
  const runner = new StageRunner(stage as Stage<unknown>, deps);
  const handle = runner.handle();
  created?.(handle);
  await runner.start();
  return handle;
}
