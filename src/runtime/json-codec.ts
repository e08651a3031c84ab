import { poison } from '../errors.js';
import type { Codec } from './codec.js';
import { decodeUtf8Strict } from '../util/utf8.js';

/**
 * Plain JSON values, no registry framing. Decode also accepts the Confluent wire format (magic byte 0 + 4-byte
 * schema id) by skipping the frame, so a test can read what a registry-framed producer wrote.
 */
export const jsonCodec: Codec = {
  async decode(_topic, bytes) {
    const body = bytes.length >= 5 && bytes[0] === 0 ? bytes.subarray(5) : bytes;
    // JSON text starts with an ASCII byte: anything else is binary garbage (decode_failed), checked before UTF-8 so
    // `invalid_utf8` names text that is JSON-shaped but carries invalid sequences, as in the registry codec.
    if (body.length > 0 && body[0]! >= 0x80) throw poison('decode_failed', `not JSON (first byte 0x${body[0]!.toString(16)})`);
    const text = decodeUtf8Strict(body);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw poison('decode_failed', `not JSON: ${(e as Error).message}`, { cause: e });
    }
  },
  async encode(_topic, value) {
    return Buffer.from(JSON.stringify(value), 'utf8');
  },
};
