/**
 * How the simulator labels its replies, shared with the LLM client that recognises them (src/llm/client.ts):
 * a response header, the system_fingerprint and the model-name prefix. Any one of them marks a reply simulated.
 */
export const SIMULATOR_HEADER = 'x-personahub-simulator';
export const SIMULATOR_FINGERPRINT = 'personahub-simulator';
export const SIM_MODEL_PREFIX = 'personahub-sim';
/** Optional header a client may send to tie the attempts of one logical call together (else: body hash). */
export const CALL_ID_HEADER = 'x-personahub-call-id';
