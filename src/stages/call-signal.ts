import type { StageContext } from '../runtime/stage.js';

/**
 * The abort signal to hand to one LLM call of a record.
 *
 * Hazard: `ctx.signal` belongs to the partition assignment and is shared by every record of the partition in
 * flight (hundreds); each call that listens on it directly (the openai client does) adds a listener that lives as
 * long as the call, tripping Node's MaxListeners warning and holding closures on a long-lived object. A dependent
 * signal per call (AbortSignal.any) aborts with it but is tracked weakly by the source, so nothing accumulates.
 */
export const callSignal = (ctx: Pick<StageContext, 'signal'>): AbortSignal => AbortSignal.any([ctx.signal]);
