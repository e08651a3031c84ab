import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { poison, retriable } from '../errors.js';
import { NEEDS_ASYNC, type Codec } from '../runtime/codec.js';
import { classifyRegistryError, registryStatus } from './client.js';
import { valueSubject } from '../../topics/types.js';
import { decodeUtf8Strict } from '../util/utf8.js';

/**
 * Confluent wire format: byte 0 = magic 0, bytes 1..4 = schema id (big-endian), then the payload (JSON text here).
 * Any consumer that speaks the Confluent format (Java, Python, kcat -s) can read what we write.
 */
const MAGIC = 0;
const HEADER_BYTES = 5;
/** How long encode reuses a topic's latest schema id before asking the registry client again. */
const LATEST_MEMO_MS = 1_000;

export interface RegistryCodecOptions {
  /**
   * Decode: check that a framed record's schema id is one of the versions of the topic's own subject (cached per
   * subject). Catches garbage that happens to start with a zero byte and frames written for another topic. Default
   * true.
   */
  verifySchemaIds?: boolean;
  /** Least time between two refreshes of a subject's version list when an unknown id arrives (default 5000 ms). */
  refreshIntervalMs?: number;
}

/**
 * Codec (src/runtime/codec.ts) backed by the schema registry.
 *  encode: JSON framed with the id of the latest version of `<topic>-value` (cached by the client for 60 s).
 *          The subject must exist (`personahub schemas register`). A missing subject — never registered, or a
 *          registry that restarted empty — is `registry_unavailable`: the runtime waits (readiness not-ready, the
 *          message says to run `schemas register`) and never dead-letters or exits for it. The stage does not
 *          register on its own: schema ids are assigned in registration order, and only one registration pass in
 *          the canonical order (`schemas register`) gives a restarted registry the ids already framed in topics;
 *          stage processes racing to register would shift them, and framed records would no longer decode.
 *          An unreachable registry is `registry_unavailable` too.
 *  decode: registry-framed JSON, or plain JSON (first byte `{`, `[` or whitespace) as a crawler or kcat writes it.
 *          Invalid UTF-8 is poison `invalid_utf8` (never repaired); anything else, unparsable JSON or an unknown
 *          schema id is poison `decode_failed`; the id of another subject's schema (a synth.math frame on
 *          web.documents) is poison `schema_subject_mismatch`.
 * Values are not validated here: the runtime validates decoded values and stage outputs with the zod contracts.
 */
export function createRegistryCodec(client: SchemaRegistryClient, options: RegistryCodecOptions = {}): Codec {
  const verify = options.verifySchemaIds ?? true;
  const refreshIntervalMs = options.refreshIntervalMs ?? 5000;
  /**
   * Schema ids of each subject's versions. Invariant: an id in the set belongs to the subject (ids are immutable).
   * An id not in the set triggers one refresh of the version list (a version may have been registered since),
   * at most every `refreshIntervalMs` per subject, so a flood of foreign frames costs few registry calls.
   */
  const subjectIds = new Map<string, { ids: Set<number>; refreshedAt: number }>();

  const missing = (subject: string, cause?: unknown) =>
    retriable('registry_unavailable', `subject ${subject} is not in the schema registry (never registered, or the registry restarted empty): waiting; run \`personahub schemas register\``, { cause });

  async function fetchLatestId(topic: string): Promise<number> {
    const subject = valueSubject(topic);
    try {
      return (await client.getLatestSchemaMetadata(subject)).id!;
    } catch (e) {
      if (registryStatus(e) === 404) throw missing(subject, e);
      throw classifyRegistryError(e, `latest schema of ${subject}`);
    }
  }

  /**
   * The latest id per topic, memoised for LATEST_MEMO_MS (the lookup itself, pending or settled, is shared).
   * Hot path: the registry client serialises every getLatestSchemaMetadata, cached or not, through one async
   * mutex, so with hundreds of records in flight each encode queued behind all the others (measured: 8 % of a
   * pass-through stage's CPU in async-mutex). The client caches the latest version for 60 s anyway, so a 1 s memo
   * adds at most 1 s to how late a new version is seen. A failed lookup is not memoised: the next encode asks again.
   */
  const latest = new Map<string, { id: Promise<number>; at: number; resolved?: number }>();
  function latestId(topic: string): Promise<number> {
    const now = performance.now();
    const hit = latest.get(topic);
    if (hit && now - hit.at < LATEST_MEMO_MS) return hit.id;
    const id = fetchLatestId(topic);
    const entry: { id: Promise<number>; at: number; resolved?: number } = { id, at: now };
    latest.set(topic, entry);
    id.then(
      (v) => {
        entry.resolved = v;
      },
      () => {
        if (latest.get(topic)?.id === id) latest.delete(topic);
      },
    );
    return id;
  }

  /** The ids of every version of `subject`; undefined when the subject does not exist. */
  async function loadSubjectIds(subject: string): Promise<Set<number> | undefined> {
    try {
      const versions = await client.getAllVersions(subject);
      const metas = await Promise.all(versions.map((v) => client.getSchemaMetadata(subject, v)));
      return new Set(metas.map((m) => m.id!));
    } catch (e) {
      if (registryStatus(e) === 404) return undefined;
      throw classifyRegistryError(e, `versions of ${subject}`);
    }
  }

  /**
   * One version-list load per subject at a time, shared by every record that asks meanwhile: a stage starts with
   * hundreds of records in flight, and each used to load the list itself (measured: 512 concurrent loads of the
   * same subject, ~0.6 s before the first record of a pass-through stage completed).
   */
  const loading = new Map<string, Promise<Set<number> | undefined>>();
  function sharedLoad(subject: string): Promise<Set<number> | undefined> {
    let p = loading.get(subject);
    if (!p) {
      p = loadSubjectIds(subject).finally(() => loading.delete(subject));
      loading.set(subject, p);
    }
    return p;
  }

  async function checkId(topic: string, id: number): Promise<void> {
    const subject = valueSubject(topic);
    let entry = subjectIds.get(subject);
    if (entry?.ids.has(id)) return;
    if (entry === undefined || Date.now() - entry.refreshedAt >= refreshIntervalMs) {
      const ids = await sharedLoad(subject);
      // The whole subject is gone: the registry lost its state (or was never prepared). Wait for it.
      if (ids === undefined) throw missing(subject);
      entry = { ids, refreshedAt: Date.now() };
      subjectIds.set(subject, entry);
      if (entry.ids.has(id)) return;
    }
    // Not ours: tell a foreign schema (a known id of another subject) from an id the registry never assigned.
    let exists: boolean;
    try {
      await client.getBySubjectAndId('', id);
      exists = true;
    } catch (e) {
      if (registryStatus(e) !== 404) throw classifyRegistryError(e, `schema id ${id}`);
      exists = false;
    }
    if (exists) throw poison('schema_subject_mismatch', `schema id ${id} is not a version of ${subject} (a frame written for another topic)`);
    throw poison('decode_failed', `schema id ${id} is unknown to the registry (${subject})`);
  }

  /** `<topic>-value` per topic, built once (the hot path looks a subject up per record). */
  const subjects = new Map<string, string>();
  function subjectOf(topic: string): string {
    let s = subjects.get(topic);
    if (s === undefined) subjects.set(topic, (s = valueSubject(topic)));
    return s;
  }
  function frame(id: number, value: unknown): Buffer {
    // The JSON text is written straight behind the header: one buffer, no intermediate copy.
    const json = JSON.stringify(value);
    const out = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(json, 'utf8'));
    out[0] = MAGIC;
    out.writeUInt32BE(id, 1);
    out.write(json, HEADER_BYTES, 'utf8');
    return out;
  }

  /** The payload of a framed or plain JSON value, or NEEDS_ASYNC when the frame's schema id must be looked up. */
  function bodyOf(topic: string, bytes: Buffer): Buffer | typeof NEEDS_ASYNC {
    if (bytes.length === 0) throw poison('decode_failed', 'empty message value');
    const first = bytes[0]!;
    if (first === MAGIC) {
      if (bytes.length <= HEADER_BYTES) throw poison('decode_failed', `registry frame of ${bytes.length} bytes has no payload`);
      if (verify && !subjectIds.get(subjectOf(topic))?.ids.has(bytes.readUInt32BE(1))) return NEEDS_ASYNC;
      return bytes.subarray(HEADER_BYTES);
    }
    if (isPlainJsonStart(first)) return bytes;
    throw poison('decode_failed', `neither registry-framed nor plain JSON (first byte 0x${first.toString(16).padStart(2, '0')})`);
  }

  function parse(body: Buffer): unknown {
    const text = decodeUtf8Strict(body);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw poison('decode_failed', `payload is not JSON: ${(e as Error).message}`, { cause: e });
    }
  }

  return {
    async encode(topic, value) {
      const id = await latestId(topic);
      return frame(id, value);
    },

    encodeNow(topic, value) {
      // The memo's id once its lookup has resolved, within the same LATEST_MEMO_MS window as encode (see
      // latestId): a new version is seen as late through this path as through encode.
      const hit = latest.get(topic);
      if (hit?.resolved === undefined || performance.now() - hit.at >= LATEST_MEMO_MS) return NEEDS_ASYNC;
      return frame(hit.resolved, value);
    },

    async decode(topic, bytes) {
      const body = bodyOf(topic, bytes);
      if (body !== NEEDS_ASYNC) return parse(body);
      await checkId(topic, bytes.readUInt32BE(1));
      return parse(bytes.subarray(HEADER_BYTES));
    },

    decodeNow(topic, bytes) {
      const body = bodyOf(topic, bytes);
      return body === NEEDS_ASYNC ? NEEDS_ASYNC : parse(body);
    },
  };
}

/** `{`, `[`, or JSON whitespace (space, tab, LF, CR): how plain JSON documents start. */
function isPlainJsonStart(byte: number): boolean {
  return byte === 0x7b || byte === 0x5b || byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
