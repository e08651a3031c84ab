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

/**
 * Headers `personahub dlq replay` adds to a record it re-injects into the stage's input topic (src/dlq/). The
 * record itself is the dead letter's original key, value and headers (DLQ_HEADERS removed, as they describe the
 * failure, not the record); these tell where it came from:
 *   id               the replay id (src/dlq/selection.ts: derived from the selection unless given)
 *   attempt          how many times this record has been replayed, this time included (1 on the first replay)
 *   code             the error code of the dead letter that was replayed (the `code` label of
 *                    personahub_records_replayed_total)
 *   dlq.*            the dead-letter record that was replayed: a later dead letter naming it supersedes it
 *   origin.*         where the record was first consumed, before its first dead letter (kept across replays)
 *   first-failure-at the first failure of the record, before any replay (kept across replays)
 * Invariant (src/runtime/record-processor.ts): a replayed record that fails again is dead-lettered with these
 * headers unchanged, so the next replay counts one attempt more and still knows the origin.
 */
export const REPLAY_HEADERS = {
  id: 'personahub.replay.id',
  attempt: 'personahub.replay.attempt',
  code: 'personahub.replay.code',
  dlqTopic: 'personahub.replay.dlq.topic',
  dlqPartition: 'personahub.replay.dlq.partition',
  dlqOffset: 'personahub.replay.dlq.offset',
  originTopic: 'personahub.replay.origin.topic',
  originPartition: 'personahub.replay.origin.partition',
  originOffset: 'personahub.replay.origin.offset',
  firstFailureAt: 'personahub.replay.first-failure-at',
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
