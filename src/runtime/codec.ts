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
}
