import { poison } from '../errors.js';

/**
 * Strict UTF-8: invalid byte sequences are refused (poison `invalid_utf8`), never replaced by U+FFFD as
 * `Buffer.toString('utf8')` would do — a record is dead-lettered with its original bytes, not silently altered.
 * A leading BOM is kept as a character (and then fails JSON parsing), as JSON text must not start with one.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw poison('invalid_utf8', `value is not valid UTF-8 (${bytes.length} bytes)`, { cause: e });
  }
}
