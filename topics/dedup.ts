import { ChangelogEntry, RouteRecord } from '../src/dedup/stream/route-record.js';
import { DEDUP_STREAM_TOPICS as T } from '../src/dedup/stream/specs.js';
import { DAY_MS, type TopicDef } from './types.js';

/**
 * Topics of the streaming near-duplicate filters (src/dedup/stream/stages.ts).
 *
 *   <item>.route      repartition topic keyed by step key (exact key, LSH band key, SimHash table key): an item
 *                     visits its keys one after another, and all items sharing a key meet in one partition.
 *   <item>.changelog  compacted state: key `<stepKey>|<itemId>`, restored on assignment.
 *   (the bands stages' dead-letter topics come with every stage's from the manifest: topics/dead-letters.ts)
 *
 * Invariant: a changelog has exactly as many partitions as its route topic (entries for route partition p are
 * written to changelog partition p). Raise both together, and only on an empty filter: changing the partition
 * count moves step keys to other partitions, whose state would not follow them.
 * The route topic's partitions bound the bands stages' parallelism (one owner per partition).
 */
const ROUTE_PARTITIONS = 6;

function filterTopics(t: { route: string; changelog: string }, bandsStage: string, what: string): TopicDef[] {
  return [
    {
      name: t.route,
      description: `${what}: items hopping through their exact/band keys (written and read by ${bandsStage})`,
      partitions: ROUTE_PARTITIONS,
      cleanupPolicy: 'delete',
      retentionMs: 7 * DAY_MS,
      value: { schemaName: 'dedup-route-record', schema: RouteRecord },
    },
    {
      name: t.changelog,
      description: `${what}: stored items per step key, compacted; co-partitioned with ${t.route}`,
      partitions: ROUTE_PARTITIONS,
      cleanupPolicy: 'compact',
      configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(60 * 60 * 1000) },
      value: { schemaName: 'dedup-changelog-entry', schema: ChangelogEntry },
    },
  ];

}

export const DEDUP_TOPIC_DEFS: readonly TopicDef[] = [
  ...filterTopics(T.personas, 'dedup-bands', 'Persona dedup (MinHash-LSH)'),
  ...filterTopics(T.documents, 'pagefilter-bands', 'Page filter (SimHash)'),
];
