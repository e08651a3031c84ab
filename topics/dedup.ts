import { ChangelogEntry, RouteRecord } from '../src/dedup/stream/route-record.js';
import { DEDUP_STREAM_TOPICS as T } from '../src/dedup/stream/specs.js';
import { DAY_MS, type TopicDef } from './types.js';

/**
 * Topics of the streaming near-duplicate filters (src/dedup/stream/stages.ts).
 *
 *   <item>.route      repartition topic: a route record is written to an explicit partition, the next one (ascending)
 *                     that owns one of its table keys (dedup.stream.partitions of them are used), so all items
 *                     sharing a key meet in one partition.
 *   <item>.changelog  compacted state: cumulative segments of stored items, key `p<partition>s<segment>`;
 *                     compaction keeps the last version of each, restored on assignment.
 *   (the bands stages' dead-letter topics come with every stage's from the manifest: topics/dead-letters.ts)
 *
 * Invariant: a changelog has exactly as many partitions as its route topic (entries for route partition p are
 * written to changelog partition p), and dedup.stream.partitions <= that count. Change dedup.stream.partitions
 * only on an empty filter: it moves keys to other partitions, whose state would not follow them.
 * The partitions in use bound the bands stages' parallelism (one owner per partition).
 */
const ROUTE_PARTITIONS = 6;

function filterTopics(t: { route: string; changelog: string }, bandsStage: string, what: string): TopicDef[] {
  return [
    {
      name: t.route,
      description: `${what}: items visiting the partitions that own their keys (written and read by ${bandsStage})`,
      partitions: ROUTE_PARTITIONS,
      cleanupPolicy: 'delete',
      retentionMs: 7 * DAY_MS,
      value: { schemaName: 'dedup-route-record', schema: RouteRecord },
    },
    {
      name: t.changelog,
      description: `${what}: stored items in cumulative segments, compacted; co-partitioned with ${t.route}`,
      partitions: ROUTE_PARTITIONS,
      cleanupPolicy: 'compact',
      // roll segments often and clean at a low dirty ratio: superseded segment versions are removed soon, so a
      // restore reads about one record per dedup.stream.segmentItems stored items
      configs: { 'min.compaction.lag.ms': '0', 'segment.ms': String(10 * 60 * 1000), 'segment.bytes': String(64 * 1024 * 1024), 'min.cleanable.dirty.ratio': '0.1' },
      value: { schemaName: 'dedup-changelog-entry', schema: ChangelogEntry },
    },
  ];

}

export const DEDUP_TOPIC_DEFS: readonly TopicDef[] = [
  ...filterTopics(T.personas, 'dedup-bands', 'Persona dedup (MinHash-LSH)'),
  ...filterTopics(T.documents, 'pagefilter-bands', 'Page filter (SimHash)'),
];
