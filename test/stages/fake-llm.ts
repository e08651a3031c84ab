import { pino } from 'pino';
import type { LlmClient, StructuredRequest, StructuredResult } from '../../src/llm/types.js';
import type { StageContext, StageOutput, StageResult } from '../../src/runtime/stage.js';

/**
 * A hand-written LlmClient for stage unit tests: `reply` builds the raw value for a request; the fake validates it
 * with the request's schema (as the real client does) and records every request.
 */
export function fakeLlm(reply: (req: StructuredRequest<unknown>) => unknown) {
  const requests: StructuredRequest<unknown>[] = [];
  const client: LlmClient = {
    async complete<T>(req: StructuredRequest<T>): Promise<StructuredResult<T>> {
      requests.push(req as StructuredRequest<unknown>);
      const value = req.schema.parse(reply(req as StructuredRequest<unknown>));
      // As the real client after its re-asks: a reply the request's own check rejects fails the call.
      const unfit = req.check?.(value);
      if (unfit !== undefined) throw new Error(`llm_malformed_reply: ${unfit}`);
      return {
        value,
        model: 'fake-model',
        simulated: true,
        usage: { inputTokens: 100, outputTokens: 20 },
        attempts: 1,
        params: { temperature: 0.7 },
      };
    },
    async embed() {
      throw new Error('not used');
    },
  };
  return { client, requests };
}

export const silentLogger = pino({ level: 'silent' });

export function ctx(): StageContext {
  return {
    meta: { topic: 't', partition: 0, offset: '0', key: null, timestamp: '0', headers: {} },
    signal: new AbortController().signal,
    logger: silentLogger,
    attempt: 1,
  };
}

/** The last user message of a request (where untrusted text must be). */
export const lastUser = (req: StructuredRequest<unknown>) =>
  [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
export const systemText = (req: StructuredRequest<unknown>) =>
  req.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');

/** The outputs of a stage result; a filtered result becomes [] (tests that care assert the reason separately). */
export const outputsOf = (r: StageResult): StageOutput[] => (Array.isArray(r) ? r : []);
