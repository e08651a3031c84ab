import { z } from 'zod';
import { fmix32 } from '../hash32.js';

const u32 = z.number().int().min(0).max(0xffffffff);

/**
 * What travels on a route topic (`personas.dedup.route`, `web.documents.pagefilter.route`): the item, its table
 * keys (computed once, at entry) and its verification payload. The record is written to an explicit partition:
 * the next partition, in ascending order, that owns one of its keys (`keyPartition`). No step counter is needed:
 * the partition a record is read from says which of its keys are checked there (those that map to it).
 */
export const RouteRecord = z.object({
  /**
   * u32 table keys, little-endian, base64 (one string instead of an array of numbers: validating and decoding
   * one string per record is what keeps the route hop cheap): one key per LSH band / SimHash table (+ semantic
   * sketch bands), or the exact key alone.
   */
  keys: z.string().min(1),
  /** Verification payload, u32 little-endian, base64. MinHash: sorted distinct 32-bit word hashes; SimHash: [hi, lo]; exact: the 128-bit exact key. */
  payload: z.string(),
  /** First 32 bits of the exact key of the normalised text: labels a match `duplicate_exact` or `duplicate_near`. */
  xh: u32,
  /** Semantic dedup only: the unit embedding, float32 little-endian, base64. */
  vec: z.string().optional(),
  id: z.string().min(1),
  /** Persona hop (documents: 0), for the dedup-hits metric's `hop` label. */
  hop: z.number().int().min(0),
  item: z.unknown(),
});
export type RouteRecord = z.infer<typeof RouteRecord>;

/**
 * A changelog entry: one segment of a route partition's stored items, cumulative. Items of partition p are
 * numbered in the order they were stored; segment s holds items [s*S, (s+1)*S) (S = dedup.stream.segmentItems).
 * Storing item i writes segment floor(i/S) again with every item of it stored so far, under the Kafka key
 * `p<p>s<s>`: compaction keeps only the last (full) version of each segment, so a compacted changelog holds
 * ceil(n/S) records for n stored items, and a restore reads each stored item about once.
 * `data`: the segment's item records as u32 little-endian, base64 (layout: partition-index.ts).
 */
export const ChangelogEntry = z.object({
  seg: z.number().int().min(0),
  data: z.string(),
});
export type ChangelogEntry = z.infer<typeof ChangelogEntry>;

export const changelogKey = (partition: number, seg: number) => `p${partition}s${seg}`;

/** The route partition that owns a key (of `partitions` used). Keys are already hashes; fmix spreads them again. */
export function keyPartition(key: number, partitions: number): number {
  return partitions === 1 ? 0 : fmix32((key ^ 0x6a09e667) >>> 0) % partitions;
}

/** The first route partition after `after` (-1: the first) that owns one of the keys, or -1 when none is left. */
export function nextPartition(keys: ArrayLike<number>, partitions: number, after: number): number {
  let best = -1;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const p = keyPartition(k, partitions);
    if (p > after && (best === -1 || p < best)) best = p;
  }
  return best;
}

export const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

export function u32sToBase64(a: Uint32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function base64ToU32s(s: string): Uint32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new RangeError(`base64 payload of ${b.byteLength} bytes is not a whole number of u32`);
  const out = new Uint32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function floatsToBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function base64ToFloats(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength >>> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  return out;
}
