import type { z } from 'zod';
import { ALL_TOPIC_DEFS } from '../../topics/index.js';
import { fatal } from '../errors.js';

/**
 * The contract of a logical topic (topics/, the one registration point): what `export --format parquet|hf`
 * validates each record with and derives the file's columns from. Topics without a contract of their own
 * (dead letters carry original bytes; the LLM cache is a store) cannot be exported as a table.
 */
export function topicContract(logicalTopic: string): { schemaName: string; schema: z.ZodType } {
  const def = ALL_TOPIC_DEFS.find((d) => d.name === logicalTopic);
  if (!def) throw fatal('config_invalid', `export: unknown topic ${logicalTopic}; known: ${ALL_TOPIC_DEFS.filter((d) => d.value).map((d) => d.name).join(', ')}`);
  if (!def.value) throw fatal('config_invalid', `export: topic ${logicalTopic} has no value contract, so it has no table schema; use --format jsonl`);
  return def.value;
}
