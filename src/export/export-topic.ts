import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { KafkaClient } from '../kafka/client.js';
import { readToEnd } from '../kafka/read-to-end.js';
import { jsonCodec } from '../runtime/json-codec.js';
import { arrowSchema, contractColumns } from './columns.js';
import { topicContract } from './contract.js';
import { GroupOffsets } from './group-offsets.js';
import { HfFolder } from './hf-folder.js';
import { ParquetFileWriter } from './parquet-file.js';

/**
 * `personahub export`'s work, one function per format. Every record is decoded; for parquet and hf it must also
 * satisfy the topic's contract (its columns come from it). A record that does not is skipped and counted (and
 * reported by the command), never altered to fit. Reading is read_committed (aborted transactions never appear).
 */
export interface ExportResult {
  written: number;
  skipped: number;
  /** First few reasons, for the report. */
  reasons: string[];
  shards?: number;
}

export interface ExportBase {
  kafka: KafkaClient;
  /** Logical topic (for its contract) and the physical name to read. */
  topic: string;
  physicalTopic: string;
  signal?: AbortSignal;
}

function skip(r: ExportResult, offset: number, partition: number, why: string): void {
  r.skipped++;
  if (r.reasons.length < 5) r.reasons.push(`[${partition}@${offset}] ${why}`);
}

async function decoded(topic: string, raw: Buffer | null): Promise<{ ok: true; value: unknown } | { ok: false; why: string }> {
  try {
    return { ok: true, value: await jsonCodec.decode(topic, raw ?? Buffer.alloc(0)) };
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
}

type Checked = { ok: true; value: unknown } | { ok: false; why: string };

/** Decodes a record and checks it against the topic's contract (parquet/hf columns come from it); never alters it. */
async function conforming(o: ExportBase, contract: ReturnType<typeof topicContract>, raw: Buffer | null): Promise<Checked> {
  const { schema, schemaName } = contract;
  const d = await decoded(o.physicalTopic, raw);
  if (!d.ok) return d;
  const v = schema.safeParse(d.value);
  if (v.success) return { ok: true, value: v.data };
  const issue = v.error.issues[0];
  return { ok: false, why: `not a ${schemaName}: ${issue?.path.join('.')} ${issue?.message}` };
}

/** What every export reads: the physical topic, read_committed, until the signal (if any) aborts. */
function source(o: ExportBase): { client: KafkaClient; topic: string; signal?: AbortSignal } {
  return { client: o.kafka, topic: o.physicalTopic, ...(o.signal ? { signal: o.signal } : {}) };
}

export async function exportJsonl(o: ExportBase & { out?: string }): Promise<ExportResult> {
  const out: Writable = o.out ? createWriteStream(o.out) : process.stdout;
  const res: ExportResult = { written: 0, skipped: 0, reasons: [] };
  await readToEnd({
    ...source(o),
    onRecord: async (m) => {
      const d = await decoded(o.physicalTopic, m.value);
      if (!d.ok) return skip(res, m.offset, m.partition, d.why);
      res.written++;
      if (!out.write(`${JSON.stringify(d.value)}\n`)) await once(out, 'drain');
    },
  });
  if (o.out) {
    out.end();
    await once(out, 'finish');
  }
  return res;
}

/** One Parquet file with row groups of `rowGroupSize` rows, memory bounded by one row group. */
export async function exportParquet(o: ExportBase & { out: string; rowGroupSize: number }): Promise<ExportResult> {
  const contract = topicContract(o.topic);
  const { schema, schemaName } = contract;
  const spec = contractColumns(schema);
  const w = await ParquetFileWriter.create(o.out, arrowSchema(spec), spec, {
    rowGroupSize: o.rowGroupSize,
    metadata: { 'personahub.topic': o.physicalTopic, 'personahub.contract': schemaName },
  });
  const res: ExportResult = { written: 0, skipped: 0, reasons: [] };
  try {
    await readToEnd({
      ...source(o),
      onRecord: async (m) => {
        const v = await conforming(o, contract, m.value);
        if (!v.ok) return skip(res, m.offset, m.partition, v.why);
        w.append(v.value);
        res.written++;
      },
    });
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return res;
}

export interface HfExportOptions extends ExportBase {
  out: string;
  split: string;
  license: string;
  prettyName: string;
  rowGroupSize: number;
  /** A shard is committed when it holds this many rows … */
  shardRows: number;
  /** … or (follow) when its first row is this old. */
  shardSeconds: number;
  follow: boolean;
  /** Follow: consumer group the progress is committed to (lag visibility). */
  groupId: string;
  onShard?(rows: number, totalRows: number, shards: number): void;
}

/**
 * A Hugging Face `datasets` folder (hf-folder.ts). Without `follow`: everything up to the end offsets taken at the
 * start, in shards of `shardRows`. With `follow`: keeps reading until the signal aborts, committing a shard when
 * it is full or old enough, resuming from the folder's state file after a restart; on abort the shard being
 * written is committed (so a Ctrl-C loses nothing and duplicates nothing).
 */
export async function exportHf(o: HfExportOptions): Promise<ExportResult> {
  const contract = topicContract(o.topic);
  const { schema } = contract;
  const folder = await HfFolder.open({
    out: o.out,
    topic: o.topic,
    schema,
    physicalTopic: o.physicalTopic,
    split: o.split,
    license: o.license,
    prettyName: o.prettyName,
    rowGroupSize: o.rowGroupSize,
    follow: o.follow,
    resume: o.follow,
  });
  const res: ExportResult = { written: 0, skipped: 0, reasons: [] };
  const group = o.follow ? new GroupOffsets(o.kafka, o.groupId, o.physicalTopic) : undefined;
  let skippedNext: Record<string, number> = {};
  let shardStartedAt = 0;
  const commit = async () => {
    const rows = await folder.commitShard(skippedNext);
    if (rows === 0) return;
    skippedNext = {};
    o.onShard?.(rows, folder.rows, folder.shards);
    await group?.commit(Object.fromEntries(Object.entries(folder.startOffsets).map(([p, n]) => [p, n])));
  };
  try {
    await readToEnd({
      ...source(o),
      startOffsets: folder.startOffsets,
      follow: o.follow,
      onRecord: async (m) => {
        const v = await conforming(o, contract, m.value);
        if (!v.ok) {
          skippedNext[String(m.partition)] = m.offset + 1;
          return skip(res, m.offset, m.partition, v.why);
        }
        if (folder.buffered === 0) shardStartedAt = Date.now();
        await folder.append(v.value, m.partition, m.offset);
        res.written++;
        if (folder.buffered >= o.shardRows) await commit();
      },
      onProgress: async () => {
        if (o.follow && folder.buffered > 0 && Date.now() - shardStartedAt >= o.shardSeconds * 1000) await commit();
      },
    });
    await commit();
    if (folder.shards === 0 || res.written === 0) await folder.writeCard();
  } catch (e) {
    await folder.abort();
    throw e;
  } finally {
    await group?.close();
  }
  res.shards = folder.shards;
  return res;
}
