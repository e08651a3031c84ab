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
