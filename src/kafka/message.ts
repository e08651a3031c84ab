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

/** librdkafka's message (headers as a list of one-key objects, key of any type) → ConsumedRecord. */
export function toConsumedRecord(m: Message): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return {
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key)),
    value: m.value ?? null,
    timestamp: m.timestamp ?? 0,
    headers,
  };
}
