import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Metrics } from '../../metrics/catalogue.js';
import type { LlmClient } from '../../llm/types.js';
import { filtered, type Stage, type StageContext, type StageOutput, type StageResult } from '../../runtime/stage.js';
import { SemanticIndex, unit } from '../semantic.js';
import { base64ToFloats, base64ToU32s, ChangelogEntry, changelogKey, floatsToBase64, keyPartition, nextPartition, RouteRecord, u32sToBase64 } from './route-record.js';
import { exactHash, type Scheme } from './schemes.js';
import { PartitionIndex } from './partition-index.js';

/**
 * Streaming near-duplicate filter as two stages on the runtime, for one kind of item (personas or web pages).
 *
 *   <name>        input -> route topic           stateless: fingerprint once (and embed, semantic mode), emit the
 *                                                 route record to the first route partition that owns one of its keys
 *   <name>-bands  route topic -> route | output  stateful, one record of a partition at a time
 *
 * Protocol (partition visits): every table key (LSH band, SimHash table, semantic sketch band, or the exact key)
 * is owned by one of R route partitions (`keyPartition`, R = dedup.stream.partitions). An item visits the
 * distinct partitions owning its keys in ascending order, one Kafka hop each (at most R hops; 1 with R = 1). In
 * partition p the owner checks all of the item's keys that p owns at once: drop the item if a stored item under
 * one of them is a verified near-duplicate, else store the item under those keys (changelog entry, in the same
 * transaction as the forward) and forward it to its next partition; after the last one it goes to the output.
 *
 * Guarantee (exactly-once delivery mode): of any two items that the offline index would call duplicates (they
 * share a key and verify), at most one reaches the output: let q be the partition owning a shared key; neither is
 * dropped before reaching q unless it matched elsewhere (then it is not output anyway), q processes them one after
 * another, and whichever comes second finds the first stored under the shared key. One partition has one owner,
 * so this holds whatever the number of instances. With R = 1 an item is stored only if it is kept, so there are no
 * ghosts; with R > 1 an item stored in an earlier partition and dropped in a later one stays stored ("ghost"),
 * as in the per-key protocol before (docs/dedup.md). State survives crashes through the compacted changelog, a
 * state store the runtime owns and restores read_committed on assignment; the stages never touch Kafka, and the
 * bands stage's state changes are synchronous (no await in `process`).
 */
export interface NearDupStreamSpec<I> {
  /** Entry stage name (`dedup` for personas, `pagefilter` for pages); the bands stage is `<name>-bands`. */
  name: string;
  input: { topic: string; schema: z.ZodType<I> };
  routeTopic: string;
  changelogTopic: string;
  outputTopic: string;
  /** Schema of output values (the item as it came in). */
  outputSchema: z.ZodType;
  scheme: Scheme;
  /** Route partitions used (<= the route topic's partitions; the changelog has the same count). */
  partitions: number;
  /** Items per changelog segment. */
  segmentItems: number;
  /** Semantic dedup: cosine threshold, sketch banding and the embedding model (embeddings via the LLM layer). */
  semantic?: { threshold: number; bands: number; rows: number; model?: string };
  idOf(item: I): string;
  textOf(item: I): string;
  keyOf(item: I): string;
  hopOf(item: I): number;
}

export interface StreamDeps {
  metrics: Metrics;
  logger: Logger;
  /** Needed when spec.semantic is set: embeddings come from the LLM layer. */
  llm?: LlmClient;
}

/** A small in-process LRU of embeddings by text: re-offered texts (expand loops, replays) cost no request. */
class EmbeddingLru {
  private readonly map = new Map<string, Float32Array>();
  constructor(private readonly max: number) {}
  get(k: string): Float32Array | undefined {
    const v = this.map.get(k);
    if (v) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: Float32Array): void {
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

export function createEntryStage<I>(spec: NearDupStreamSpec<I>, deps: StreamDeps): Stage<I> {
  const sem = spec.semantic;
  if (sem && !deps.llm) throw new Error(`${spec.name}: semantic dedup needs an LLM client for embeddings`);
  const sketch = sem ? new SemanticIndex({ threshold: sem.threshold, banding: { bands: sem.bands, rows: sem.rows } }) : undefined;
  const cache = new EmbeddingLru(10_000);
  return {
    name: spec.name,
    input: spec.input,
    outputs: { [spec.routeTopic]: RouteRecord },
    ordering: 'unordered',
    async process(item, ctx) {
      const text = spec.textOf(item);
      const { keys, payload } = spec.scheme.route(text);
      const hop = spec.hopOf(item);
      deps.metrics.dedupChecks.inc({ stage: spec.name, method: spec.scheme.kind, hop: String(hop) });
      let vec: string | undefined;
      if (sem && sketch) {
        let v = cache.get(text);
        if (!v) {
          const r = await deps.llm!.embed({ stage: spec.name, input: [text], ...(sem.model ? { model: sem.model } : {}), signal: ctx.signal });
          v = unit(r.vectors[0]!);
          cache.set(text, v);
        }
        keys.push(...sketch.keys(v));
        vec = floatsToBase64(v);
      }
      const value: RouteRecord = {
        keys: u32sToBase64(Uint32Array.from(keys)),
        payload: u32sToBase64(Uint32Array.from(payload)),
        xh: exactHash(text),
        id: spec.idOf(item),
        hop,
        item,
        ...(vec ? { vec } : {}),
      };
      return [{ topic: spec.routeTopic, key: value.id, partition: nextPartition(keys, spec.partitions, -1), value }];
    },
  };
}

export function createBandsStage<I>(spec: NearDupStreamSpec<I>, deps: StreamDeps): Stage<RouteRecord> & { stateSize(): number; stateBytes(): number } {
  const name = `${spec.name}-bands`;
  const states = new Map<number, PartitionIndex>();
  const stateOf = (p: number) => {
    let s = states.get(p);
    if (!s) states.set(p, (s = new PartitionIndex(p, spec.segmentItems, (a, b) => spec.scheme.nearDuplicate(a, b), spec.semantic?.threshold)));
    return s;
  };
  const stateSize = () => [...states.values()].reduce((n, s) => n + s.size, 0);
  const gauge = () => deps.metrics.dedupStoredItems.set({ stage: name, method: spec.scheme.kind }, stateSize());
  return {
    name,
    input: { topic: spec.routeTopic, schema: RouteRecord },
    outputs: { [spec.routeTopic]: RouteRecord, [spec.changelogTopic]: ChangelogEntry, [spec.outputTopic]: spec.outputSchema },
    // Correctness needs one record of a partition at a time, in offset order: the partition order decides pairs.
    ordering: 'partition',
    stateSize,
    stateBytes: () => [...states.values()].reduce((n, s) => n + s.byteLength, 0),
    store: {
      changelogTopic: spec.changelogTopic,
      schema: ChangelogEntry,
      restore(partition: number, entry: ChangelogEntry) {
        stateOf(partition).restore(entry);
      },
      drop(partition: number) {
        states.delete(partition);
        gauge();
      },
    },
    async process(rec: RouteRecord, ctx: StageContext): Promise<StageResult> {
      const p = ctx.meta.partition;
      const keys = base64ToU32s(rec.keys);
      const here = keys.filter((k) => keyPartition(k, spec.partitions) === p);
      const out: StageOutput[] = [];
      if (here.length > 0) {
        const d = stateOf(p).offer({
          xh: rec.xh,
          ref: Number(BigInt(ctx.meta.offset) & 0xffffffffn),
          keys: here,
          payload: base64ToU32s(rec.payload),
          vec: rec.vec ? base64ToFloats(rec.vec) : undefined,
        });
        if (d.action === 'duplicate') {
          const kind = d.by === 'exact' ? 'exact' : d.by === 'semantic' ? 'semantic' : spec.scheme.kind;
          deps.metrics.dedupHits.inc({ stage: spec.name, kind, hop: String(rec.hop) });
          return filtered(d.by === 'exact' ? 'duplicate_exact' : 'duplicate_near');
        }
        // 'replay' writes its segment again (same changelog key: compaction keeps one; restore applies it once).
        out.push({ topic: spec.changelogTopic, key: changelogKey(p, d.entry.seg), partition: p, value: d.entry });
        if (d.action === 'stored') gauge();
      }
      const next = nextPartition(keys, spec.partitions, p);
      if (next !== -1) out.push({ topic: spec.routeTopic, key: rec.id, partition: next, value: rec });
      // the runtime validates the output value against outputSchema (the item's own schema)
      else out.push({ topic: spec.outputTopic, key: rec.id, value: rec.item });
      return out;
    },
  };
}
