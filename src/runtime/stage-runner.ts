import type { Stage } from './stage.js';
import type { RuntimeDeps, StageHandle } from './types.js';

export class StageRunner {
  constructor(
    private readonly stage: Stage<unknown>,
    private readonly deps: RuntimeDeps,
  ) {}
  async start(): Promise<void> {
    throw new Error(`not implemented yet: ${this.stage.name} ${this.deps.groupId ?? ''}`);
  }
  handle(): StageHandle {
    throw new Error('not implemented yet');
  }
}
