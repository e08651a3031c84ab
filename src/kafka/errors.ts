import { fatal, isPersonahubError, retriable, type PersonahubError } from '../errors.js';

/** The structured fields librdkafka puts on its errors (LibrdKafkaError). */
interface RdError {
  code?: number;
  message?: string;
  isFatal?: boolean;
  isRetriable?: boolean;
  isTxnRequiresAbort?: boolean;
}

/** librdkafka codes that mean this instance lost its right to write: another holds the id or the partition. */
const FENCED_CODES = new Set([
  -144, // ERR__FENCED
  47, // INVALID_PRODUCER_EPOCH
  90, // PRODUCER_FENCED
]);

/**
 * Classify a librdkafka error at the edge, by its structured flags and code, never its text:
 *   fenced             another producer holds our transactional id (fatal: the process ends, it is a zombie)
 *   isFatal            the client instance is unusable (fatal)
 *   isTxnRequiresAbort the current transaction must be aborted; the work is redone (retriable kafka_txn_abort)
 *   anything else      transient (broker down, timeout, coordinator moving): retriable kafka_retriable
 */
export function classifyKafkaError(e: unknown, what: string): PersonahubError {
  if (isPersonahubError(e)) return e;
  const err = (e ?? {}) as RdError;
  const message = `${what}: ${err.message ?? String(e)}`;
  if (err.code !== undefined && FENCED_CODES.has(err.code)) return fatal('fenced', message, { cause: e });
  if (err.isFatal) return fatal('kafka_fatal', message, { cause: e });
  if (err.isTxnRequiresAbort) return retriable('kafka_txn_abort', message, { cause: e });
  return retriable('kafka_retriable', message, { cause: e });
}
