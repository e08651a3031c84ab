import type { Metrics } from '../metrics/catalogue.js';

/**
 * A point-in-time view of a dataflow running in this process, read from its metrics registry: what `up` shows as
 * progress and summary, what it uses to decide the flow has drained, and what the e2e test reconciles.
 * Counts are since process start (counters are per process), and outputs are counted when committed.
 */
export interface StageCounts {
  in: number;
  out: number;
  filtered: number;
  /** Filtered records by reason (FILTER_REASONS of src/runtime/stage.ts). */
  filteredBy: Record<string, number>;
  deadLettered: number;
  inFlight: number;
  /** Completed outputs not yet committed (waiting for the watermark or the next commit round). */
  buffered: number;
  /** Sum over assigned partitions of high watermark - committed offset (transaction markers count as 1 each). */
  lag: number;
  /** Largest per-partition lag. */
  maxPartitionLag: number;
}

export interface FlowSnapshot {
  stages: Record<string, StageCounts>;
  /** Records written per output topic (logical name), summed over stages. */
  topics: Record<string, number>;
  /**
   * Records consumed per input topic (logical name): the most any one consumer group (stage) read from it. Counts
   * what other producers wrote too (a crawler on web.documents), which `topics` cannot see.
   */
  consumed: Record<string, number>;
  filteredByReason: Record<string, number>;
  deadLetteredByCode: Record<string, number>;
  tokens: { input: number; output: number };
  costUsd: number;
  llmRequests: number;
  /** Response cache lookups by outcome (hit, miss, invalid); empty when no stage uses the cache. */
  cache: Record<string, number>;
}

type Values = Array<{ labels: Record<string, string | number>; value: number }>;

export async function flowSnapshot(metrics: Metrics): Promise<FlowSnapshot> {
  const get = async (m: { get(): Promise<{ values: unknown }> | { values: unknown } }) => (await m.get()).values as Values;
  const stages: Record<string, StageCounts> = {};
  const stage = (name: string) =>
    (stages[name] ??= { in: 0, out: 0, filtered: 0, filteredBy: {}, deadLettered: 0, inFlight: 0, buffered: 0, lag: 0, maxPartitionLag: 0 });
  const topics: Record<string, number> = {};
  const deadLetteredByCode: Record<string, number> = {};

  const consumed: Record<string, number> = {};
  const filteredByReason: Record<string, number> = {};
  const inByStageTopic = new Map<string, { topic: string; n: number }>();
  for (const v of await get(metrics.recordsIn)) {
    stage(String(v.labels.stage)).in += v.value;
    const k = `${String(v.labels.stage)}\u0000${String(v.labels.topic)}`;
    const prev = inByStageTopic.get(k)?.n ?? 0;
    inByStageTopic.set(k, { topic: String(v.labels.topic), n: prev + v.value });
  }
  for (const { topic, n } of inByStageTopic.values()) consumed[topic] = Math.max(consumed[topic] ?? 0, n);
  for (const v of await get(metrics.recordsOut)) {
    stage(String(v.labels.stage)).out += v.value;
    topics[String(v.labels.topic)] = (topics[String(v.labels.topic)] ?? 0) + v.value;
  }
  for (const v of await get(metrics.recordsFiltered)) {
    const s = stage(String(v.labels.stage));
    const reason = String(v.labels.reason);
    s.filtered += v.value;
    if (v.value > 0) {
      s.filteredBy[reason] = (s.filteredBy[reason] ?? 0) + v.value;
      filteredByReason[reason] = (filteredByReason[reason] ?? 0) + v.value;
    }
  }
  for (const v of await get(metrics.recordsDeadLettered)) {
    stage(String(v.labels.stage)).deadLettered += v.value;
    deadLetteredByCode[String(v.labels.code)] = (deadLetteredByCode[String(v.labels.code)] ?? 0) + v.value;
  }
  for (const v of await get(metrics.inFlight)) stage(String(v.labels.stage)).inFlight += v.value;
  for (const v of await get(metrics.bufferedOutputs)) stage(String(v.labels.stage)).buffered += v.value;
  for (const v of await get(metrics.consumerLag)) {
    const s = stage(String(v.labels.stage));
    s.lag += v.value;
    s.maxPartitionLag = Math.max(s.maxPartitionLag, v.value);
  }
  let input = 0;
  let output = 0;
  for (const v of await get(metrics.llmTokens)) {
    if (v.labels.direction === 'input') input += v.value;
    else output += v.value;
  }
  let costUsd = 0;
  for (const v of await get(metrics.llmCost)) costUsd += v.value;
  let llmRequests = 0;
  for (const v of await get(metrics.llmRequests)) llmRequests += v.value;
  const cache: Record<string, number> = {};
  for (const v of await get(metrics.llmCacheLookups)) cache[String(v.labels.outcome)] = (cache[String(v.labels.outcome)] ?? 0) + v.value;
  return { stages, topics, consumed, filteredByReason, deadLetteredByCode, tokens: { input, output }, costUsd, llmRequests, cache };
}

/** A stable fingerprint of everything that moves: unchanged over a quiet period means nothing is happening. */
export function activity(s: FlowSnapshot): string {
  return JSON.stringify(
    Object.entries(s.stages)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, c]) => [name, c.in, c.out, c.filtered, c.deadLettered, c.inFlight]),
  );
}

/**
 * Drained: every stage has nothing in flight and has consumed everything written to its input.
 *
 * Inputs written by stages of this process are judged exactly, by counts: the stage's records in must reach the
 * records committed to its input topic by the other stages (recordsOut is counted at commit). Offsets cannot do
 * this: with transactions every producer leaves a commit marker in each partition it wrote, an offset no consumer
 * ever receives, so a caught-up consumer can sit several offsets below the high watermark. Inputs written from
 * outside (ingest, a crawler) fall back to the lag gauge, allowing the one trailing marker a transactional
 * producer leaves. The caller also requires `activity` to stay unchanged for a quiet period, longer than the
 * commit interval, since outputs are counted only once committed.
 */
export function looksDrained(
  s: FlowSnapshot,
  stageInputs: Record<string, string>,
  opts: { ignoreLag?: boolean } = {},
): boolean {
  return Object.entries(stageInputs).every(([name, input]) => {
    const c = s.stages[name];
    // A stage that has seen nothing yet has no series at all: nothing in flight, nothing known behind.
    if (c === undefined) return s.topics[input] === undefined || s.topics[input] === 0;
    // Completed but uncommitted work is not drained: its outputs appear (and are counted) only at commit, which
    // on a loaded machine can take longer than the quiet period.
    if (c.inFlight > 0 || c.buffered > 0) return false;
    const written = s.topics[input];
    if (written !== undefined) return c.in >= written;
    return opts.ignoreLag === true || c.maxPartitionLag <= 1;
  });
}
