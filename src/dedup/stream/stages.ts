import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Metrics } from '../../metrics/catalogue.js';
import { filtered, type Stage, type StageContext, type StageOutput, type StageResult } from '../../runtime/stage.js';
import { ChangelogEntry, RouteRecord, stepKind } from './route-record.js';
import type { Scheme } from './schemes.js';
import { StepState } from './step-state.js';

/**
 * Streaming near-duplicate filter as two stages on the runtime, for one kind of item (personas or web pages).
 *
 *   <name>        input -> route topic           stateless: fingerprint once, emit step 0 keyed by the exact key
 *   <name>-bands  route topic -> route | output  stateful, one record of a partition at a time
 *
 * Protocol: an item visits its step keys in a fixed order (exact key, then band/table 0..n-1); the step-s record
 * is keyed by keys[s], so all items that share a step key meet in one partition, where that partition's order
 * decides. At each step the owner drops the item if the key's bucket holds its exact copy / a verified
 * near-duplicate, else stores it (changelog entry, in the same transaction as the forward) and forwards it to
 * step s+1; after the last step the item is unique and goes to the output topic.
 *
 * Guarantee (exactly-once delivery mode): of any two items that the offline index would call near-duplicates
 * (they share a band/table key and verify), at most one reaches the output: they share a first common key k;
 * whichever the k-partition sees second finds the first stored there (an item is stored under k before it can
 * be dropped at a later step) and is dropped. No race between instances, since one partition has one owner.
 * Cost of routing: a dropped item may have been stored under its earlier keys ("ghost"); a later item that
 * matches only the ghost is dropped although the ghost was not kept. Jaccard distance is a metric, so such an
 * item is within 2(1-t) of the ghost's own near-duplicate (word-Jaccard >= 0.8 for t = 0.9) — still a close
 * variant, measured in the tests. State survives crashes through the compacted changelog, a state store the
 * runtime owns and restores read_committed on assignment (src/runtime/state-store.ts); the stages never touch
 * Kafka. At-least-once mode may forward an item twice (never drops one that should be kept).
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
  idOf(item: I): string;
  textOf(item: I): string;
  keyOf(item: I): string;
  hopOf(item: I): number;
}

export interface StreamDeps {
  metrics: Metrics;
  logger: Logger;
}

export function createEntryStage<I>(spec: NearDupStreamSpec<I>, deps: StreamDeps): Stage<I> {
  return {
    name: spec.name,
    input: spec.input,
    outputs: { [spec.routeTopic]: RouteRecord },
    ordering: 'unordered',
    async process(item) {
      const { keys, payload } = spec.scheme.route(spec.textOf(item));
      const hop = spec.hopOf(item);
      deps.metrics.dedupChecks.inc({ stage: spec.name, method: spec.scheme.kind, hop: String(hop) });
      const value: RouteRecord = { step: 0, keys, payload, id: spec.idOf(item), hop, item };
      return [{ topic: spec.routeTopic, key: keys[0]!, value }];
    },
  };
}

export function createBandsStage<I>(spec: NearDupStreamSpec<I>, deps: StreamDeps): Stage<RouteRecord> & { stateSize(): number } {
  const name = `${spec.name}-bands`;
  const states = new Map<number, StepState>();
  const stateOf = (p: number) => {
    let s = states.get(p);
    if (!s) states.set(p, (s = new StepState()));
    return s;
  };
  const gauge = () => deps.metrics.dedupStoredItems.set({ stage: name, method: spec.scheme.kind }, [...states.values()].reduce((n, s) => n + s.size, 0));
  return {
    name,
    input: { topic: spec.routeTopic, schema: RouteRecord },
    outputs: { [spec.routeTopic]: RouteRecord, [spec.changelogTopic]: ChangelogEntry, [spec.outputTopic]: spec.outputSchema },
    // Correctness needs one record of a partition at a time, in offset order: the partition order decides pairs.
    ordering: 'partition',
    stateSize: () => [...states.values()].reduce((n, s) => n + s.size, 0),
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
      const key = rec.keys[rec.step]!;
      const kind = stepKind(key);
      const ref = kind === 'exact' ? `${p}:${ctx.meta.offset}` : '';
      const d = stateOf(p).offer(key, { id: rec.id, ref, payload: rec.payload }, spec.scheme.nearDuplicate);
      if (d.action === 'duplicate') {
        deps.metrics.dedupHits.inc({ stage: spec.name, kind, hop: String(rec.hop) });
        return filtered(kind === 'exact' ? 'duplicate_exact' : 'duplicate_near');
      }
      const out: StageOutput[] = [];
      // 'replay' writes its entry again (same changelog key: compaction keeps one; restore applies it once).
      out.push({ topic: spec.changelogTopic, key: `${key}|${rec.id}`, partition: p, value: d.entry });
      if (d.action === 'stored') gauge();
      const next = rec.step + 1;
      if (next < rec.keys.length) out.push({ topic: spec.routeTopic, key: rec.keys[next]!, value: { ...rec, step: next } });
      else {
        const item = spec.input.schema.parse(rec.item);
        out.push({ topic: spec.outputTopic, key: spec.keyOf(item), value: rec.item });
      }
      return out;
    },
  };
}
