import type { Message } from '@confluentinc/kafka-javascript';

/** One consumed record as personahub handles it: offsets as numbers (exact up to 2^53), headers as UTF-8 strings. */
export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
}

/**
 * librdkafka's message (headers as a list of one-key objects, key of any type) → ConsumedRecord. A message without
 * a timestamp gets 0, or `now()` when given.
 */
export function toConsumedRecord(m: Message, now?: () => number): ConsumedRecord {
  const headers: Record<string, string> = {};
  if (m.headers) for (const h of m.headers) for (const k in h) headers[k] = headerText(h[k]);
  return {
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key)),
    value: m.value ?? null,
    timestamp: m.timestamp ?? (now ? now() : 0),
    headers,
  };
}

const headerText = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
