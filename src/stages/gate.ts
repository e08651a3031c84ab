import type { PauseGate } from '../llm/budget/gate.js';
import type { StageDeps } from '../runtime/stage.js';

/** The stage's budget gate from its LLM client (llm.budgets), as a spreadable `{ pauseGate }`, or nothing. */
export function gateOf(deps: StageDeps, stage: string, scenario?: string): { pauseGate?: PauseGate } {
  const gate = deps.llm.gate?.(stage, scenario);
  return gate ? { pauseGate: gate } : {};
}
