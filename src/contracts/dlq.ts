import { z } from 'zod';
import { ERROR_CODES, ERROR_KINDS } from '../errors.js';

/**
 * Dead-letter records carry the ORIGINAL bytes as the message value (so nothing is lost and a fixed stage can
 * replay them) and the reason in headers. Header names are constants here; values are UTF-8 strings.
 */
export const DLQ_HEADERS = {
  kind: 'personahub.error.kind',
  code: 'personahub.error.code',
  message: 'personahub.error.message',
  stage: 'personahub.stage',
  attempts: 'personahub.attempts',
  firstFailureAt: 'personahub.first-failure-at',
  sourceTopic: 'personahub.source.topic',
  sourcePartition: 'personahub.source.partition',
  sourceOffset: 'personahub.source.offset',
} as const;

/** The decoded view of a dead-letter record's headers (what `personahub tail` shows). */
export const DlqEnvelope = z.object({
  kind: z.enum(ERROR_KINDS),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  stage: z.string(),
  attempts: z.number().int().min(1),
  firstFailureAt: z.string(),
  sourceTopic: z.string(),
  sourcePartition: z.number().int(),
  sourceOffset: z.string(),
});
export type DlqEnvelope = z.infer<typeof DlqEnvelope>;

/** `<input>.dlq.<stage>`: the one naming rule for dead-letter topics. */
export const dlqTopic = (inputTopic: string, stage: string) => `${inputTopic}.dlq.${stage}`;
