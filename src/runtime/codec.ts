/**
 * How the runtime turns bytes into values and back, per topic. Two implementations:
 *  - plain JSON (src/runtime/json-codec.ts): for tests and for producers that write bare JSON;
 *  - registry JSON (src/registry/codec.ts): Confluent wire format (magic byte 0, 4-byte schema id, JSON), with
 *    the topic's `<topic>-value` subject; decode accepts plain JSON too, since crawlers and kcat write bare JSON.
 * Decode failures throw a `poison` PersonahubError with code `decode_failed`.
 */
export interface Codec {
  decode(topic: string, bytes: Buffer): Promise<unknown>;
  encode(topic: string, value: unknown): Promise<Buffer>;
  /**
   * Optional synchronous fast paths for the runtime's hot path: the same result as decode/encode (a poison error
   * is thrown, not returned) when nothing has to be looked up, else NEEDS_ASYNC and the caller awaits the async
   * method. They save the promise and microtask turns per record that a cached schema id does not need.
   */
  decodeNow?(topic: string, bytes: Buffer): unknown;
  encodeNow?(topic: string, value: unknown): Buffer | typeof NEEDS_ASYNC;
}

/** Returned by Codec.decodeNow / encodeNow when the answer needs a lookup (the async method then gives it). */
export const NEEDS_ASYNC: unique symbol = Symbol('codec needs async');
