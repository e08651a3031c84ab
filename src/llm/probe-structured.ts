import { isPersonahubError } from '../errors.js';
import { extractJson, structuredRequest, STRUCTURED_MODES, type StructuredMode } from './structured-output.js';
import type { ChatMessage } from './types.js';

/**
 * `llm.structuredOutput: auto`: find the strongest structured-output mode an endpoint (and model) honours, with at
 * most three small calls, once per process (the client caches the result per endpoint and model).
 *
 * The probe asks for a JSON object whose only key is one the model cannot guess (`personahub_probe`, value
 * "ready") and, for the two schema modes, does NOT put the schema in the prompt: a reply with that key therefore
 * proves the server enforced the schema, not that the model happened to follow instructions.
 *   json_schema / json_object_schema  ok when the whole reply is exactly {"personahub_probe":"ready"}
 *   json_object                       ok when the whole reply is one JSON object (schema is in the prompt)
 *   prompt                            the fallback, needs no call
 * A mode the server refuses (4xx other than 401/403/404/429, or 5xx: llama-cpp-python answers 500 to json_schema)
 * or ignores moves on to the next mode; if every mode fails with 5xx, the endpoint is failing and that error is
 * thrown. Anything that says the endpoint itself is unusable (connection, timeout,
 * 429, credentials, unknown model) is thrown, and nothing is cached.
 */
export interface ProbeStep {
  mode: StructuredMode;
  outcome: 'ok' | 'rejected' | 'ignored';
  detail: string;
}
export interface ProbeResult {
  mode: StructuredMode;
  steps: ProbeStep[];
  /** True when the mode came from the configuration, not from a probe. */
  configured: boolean;
}

export type ProbeSend = (req: { response_format?: Record<string, unknown>; messages: ChatMessage[] }) => Promise<string>;

export const PROBE_KEY = 'personahub_probe';
const PROBE_SCHEMA = {
  type: 'object',
  properties: { [PROBE_KEY]: { type: 'string', enum: ['ready'] } },
  required: [PROBE_KEY],
  additionalProperties: false,
};
const PROBE_MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You check that a service works. Answer in JSON.' },
  { role: 'user', content: 'Say that you are ready.' },
];

const isProbeAnswer = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && (v as Record<string, unknown>)[PROBE_KEY] === 'ready';

/** A refusal of this one request shape (try the next mode), as opposed to an endpoint that cannot be used at all. */
function refusedMode(e: unknown): boolean {
  return isPersonahubError(e) && ((e.kind === 'poison' && e.code === 'llm_bad_request') || e.code === 'llm_server_error');
}

export async function probeStructuredOutput(send: ProbeSend): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  let lastServerError: unknown;
  let serverErrors = 0;
  for (const mode of STRUCTURED_MODES) {
    if (mode === 'prompt') break;
    const built = structuredRequest(mode, 'personahub_probe', PROBE_SCHEMA, PROBE_MESSAGES);
    // The schema modes are probed without the prompt hint (see above); json_object needs it to know the shape.
    const req = mode === 'json_object' ? built : { ...built, messages: PROBE_MESSAGES };
    let content: string;
    try {
      content = await send(req);
    } catch (e) {
      if (!refusedMode(e)) throw e;
      if (isPersonahubError(e) && e.code === 'llm_server_error') {
        serverErrors++;
        lastServerError = e;
      }
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
      steps.push({ mode, outcome: 'rejected', detail: (e instanceof Error ? `${e.message}${cause}` : String(e)).slice(0, 240) });
      continue;
    }
    const got = extractJson(content);
    const exact = got.ok && got.repaired === 'none';
    const ok = mode === 'json_object' ? exact && typeof got.value === 'object' && got.value !== null && !Array.isArray(got.value) : exact && isProbeAnswer(got.value);
    steps.push({ mode, outcome: ok ? 'ok' : 'ignored', detail: content.slice(0, 120) });
    if (ok) return { mode, steps, configured: false };
  }
  // Every format failing with 5xx says the endpoint is failing, not that it lacks structured output.
  if (serverErrors === steps.length) throw lastServerError;
  steps.push({ mode: 'prompt', outcome: 'ok', detail: 'fallback: schema in the prompt, reply repaired or re-asked' });
  return { mode: 'prompt', steps, configured: false };
}
