export { createLlmClient, OpenAiLlmClient, type LlmClientOptions } from './client.js';
export { LlmConfig, EndpointConfig, ModelPrice, type LlmConfigInput } from './config.js';
export { resetSharedEndpoints } from './endpoint.js';
export { strictJsonSchema } from './strict-schema.js';
export type { LlmClient, StructuredRequest, StructuredResult, EmbeddingResult, ChatMessage } from './types.js';
