import { z } from 'zod';
import { KafkaConfig, RegistryConfig, HttpConfig } from './services.js';
import { RuntimeConfig } from '../runtime/config.js';
import { LlmConfig } from '../llm/config.js';
import { DedupConfig } from '../dedup/config.js';
import { StagesConfig } from '../stages/config.js';
import { IngestConfig } from '../ingest/config.js';
import { DlqConfig } from '../dlq/config.js';

/**
 * The one configuration schema. Each module owns its section's schema (with descriptions and defaults, which are
 * the documentation); this file only composes them. Every field has a default that works against the local stack.
 */
export const Config = z.object({
  kafka: KafkaConfig,
  registry: RegistryConfig,
  http: HttpConfig,
  runtime: RuntimeConfig,
  llm: LlmConfig,
  dedup: DedupConfig,
  stages: StagesConfig,
  ingest: IngestConfig,
  dlq: DlqConfig,
});
export type Config = z.infer<typeof Config>;
