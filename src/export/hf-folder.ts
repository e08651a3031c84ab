import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fatal } from '../errors.js';
import { renderCard } from './card.js';
import { arrowSchema, contractColumns } from './columns.js';
import { ParquetFileWriter } from './parquet-file.js';
import { count, emptyStats, type ExportStats } from './stats.js';

/**
 * A Hugging Face `datasets` folder filled shard by shard:
 *
 *   <out>/README.md                          dataset card (card.ts), rewritten after every shard
 *   <out>/data/<split>-00000.parquet …       shards, numbered in order
 *   <out>/.personahub-export.json            state: shards and rows committed, and the next offset per partition
 *
 * Exactly-once into the folder: a shard is written to a temporary name and renamed (parquet-file.ts); only then
 * is the state file replaced (write, fsync, rename), naming the shard and the offsets after its last record. On
 * start, the state file is the truth: a shard numbered at or beyond its count (the process stopped between the two
 * renames) is deleted and its records are read again from the state's offsets. The Kafka consumer group offsets a
 * follower commits are for lag monitoring only; they never decide what is read.
 */
import { EXPORT_STATE_FILE } from './names.js';
export { EXPORT_STATE_FILE };

const ExportState = z.object({
  version: z.literal(1),
  topic: z.string(),
  split: z.string(),
  shards: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  /** Next offset to read per partition (JSON keys are strings). */
  next: z.record(z.string(), z.number().int().nonnegative()),
  stats: z.custom<ExportStats>((v) => typeof v === 'object' && v !== null),
});
type ExportState = z.infer<typeof ExportState>;

export interface HfFolderOptions {
  out: string;
  /** Logical topic (its contract gives the columns) and the physical name (recorded in the card). */
  topic: string;
  schema: z.ZodType;
  physicalTopic: string;
  split: string;
  license: string;
  prettyName: string;
  rowGroupSize: number;
  follow: boolean;
  /** Resume from the state file (follow); otherwise the folder must not hold shards yet. */
  resume: boolean;
}

export const shardName = (split: string, n: number) => `${split}-${String(n).padStart(5, '0')}.parquet`;

export class HfFolder {
  private state!: ExportState;
  private current: ParquetFileWriter | undefined;
  private pendingNext: Record<string, number> = {};
  private pendingStats: ExportStats = emptyStats();
  private readonly spec;
  private readonly schema;

  private constructor(private readonly o: HfFolderOptions) {
    this.spec = contractColumns(o.schema);
    this.schema = arrowSchema(this.spec);
  }

  static async open(o: HfFolderOptions): Promise<HfFolder> {
    const f = new HfFolder(o);
    await f.init();
    return f;
  }

  private get dataDir(): string {
    return join(this.o.out, 'data');
  }

  private async init(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    const raw = await readFile(join(this.o.out, EXPORT_STATE_FILE), 'utf8').catch(() => undefined);
    const shards = (await readdir(this.dataDir)).filter((n) => n.endsWith('.parquet') || n.endsWith('.parquet.tmp'));
    if (raw === undefined) {
      if (shards.length > 0) throw fatal('config_invalid', `export: ${this.dataDir} already holds files but no ${EXPORT_STATE_FILE}: choose an empty --out`);
      this.state = { version: 1, topic: this.o.physicalTopic, split: this.o.split, shards: 0, rows: 0, next: {}, stats: emptyStats() };
      return;
    }
    if (!this.o.resume) throw fatal('config_invalid', `export: ${this.o.out} holds an earlier export (${EXPORT_STATE_FILE}); use --follow to continue it or choose an empty --out`);
    const parsed = ExportState.safeParse(JSON.parse(raw));
    if (!parsed.success) throw fatal('config_invalid', `export: ${join(this.o.out, EXPORT_STATE_FILE)} is not a personahub export state`);
    if (parsed.data.topic !== this.o.physicalTopic || parsed.data.split !== this.o.split)
      throw fatal('config_invalid', `export: ${this.o.out} exports ${parsed.data.topic} (split ${parsed.data.split}), not ${this.o.physicalTopic} (split ${this.o.split})`);
    this.state = parsed.data;
    // Shards the state does not name were written but never recorded: their records are read again.
    const named = new Set(Array.from({ length: this.state.shards }, (_, i) => shardName(this.o.split, i)));
    for (const n of shards) if (!named.has(n)) await rm(join(this.dataDir, n), { force: true });
  }

  /** Where to start reading, per partition (empty = from the beginning). */
  get startOffsets(): Record<number, number> {
    return Object.fromEntries(Object.entries(this.state.next).map(([p, o]) => [Number(p), o]));
  }

  get rows(): number {
    return this.state.rows;
  }

  get shards(): number {
    return this.state.shards;
  }

  /** Rows in the shard being written (not yet committed to the folder). */
  get buffered(): number {
    return this.current?.rowCount ?? 0;
  }

  async append(record: unknown, partition: number, offset: number): Promise<void> {
    this.current ??= await ParquetFileWriter.create(join(this.dataDir, shardName(this.o.split, this.state.shards)), this.schema, this.spec, {
      rowGroupSize: this.o.rowGroupSize,
      metadata: { 'personahub.topic': this.o.physicalTopic, 'personahub.split': this.o.split },
    });
    this.current.append(record);
    count(this.pendingStats, record);
    this.pendingNext[String(partition)] = offset + 1;
  }

  /**
   * Close the current shard and commit it to the folder (state, then card). `next` may carry offsets of partitions
   * read past without a row (skipped records), so a restart does not read them again.
   */
  async commitShard(skippedNext: Record<string, number> = {}): Promise<number> {
    const w = this.current;
    if (!w || w.rowCount === 0) return 0;
    await w.close();
    this.current = undefined;
    const s = this.state.stats;
    const p = this.pendingStats;
    s.rows += p.rows;
    s.simulatedRows += p.simulatedRows;
    s.cacheHitRows += p.cacheHitRows;
    for (const k of ['scenarios', 'models', 'prompts'] as const) for (const [key, n] of Object.entries(p[k])) s[k][key] = (s[k][key] ?? 0) + n;
    if (p.firstCreatedAt && (!s.firstCreatedAt || p.firstCreatedAt < s.firstCreatedAt)) s.firstCreatedAt = p.firstCreatedAt;
    if (p.lastCreatedAt && (!s.lastCreatedAt || p.lastCreatedAt > s.lastCreatedAt)) s.lastCreatedAt = p.lastCreatedAt;
    this.state = {
      ...this.state,
      shards: this.state.shards + 1,
      rows: this.state.rows + w.rowCount,
      next: { ...this.state.next, ...skippedNext, ...this.pendingNext },
      stats: s,
    };
    this.pendingNext = {};
    this.pendingStats = emptyStats();
    await writeAtomically(join(this.o.out, EXPORT_STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
    await this.writeCard();
    return w.rowCount;
  }

  async writeCard(): Promise<void> {
    const card = renderCard({
      topic: this.o.physicalTopic,
      split: this.o.split,
      license: this.o.license,
      prettyName: this.o.prettyName,
      stats: this.state.stats,
      shards: this.state.shards,
      exportedAt: new Date().toISOString(),
      follow: this.o.follow,
    });
    await writeAtomically(join(this.o.out, 'README.md'), card);
  }

  /** Drop the shard being written (stop without committing it: its records are read again next time). */
  async abort(): Promise<void> {
    await this.current?.abort();
    this.current = undefined;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const h = await open(`${path}.tmp`, 'w');
  try {
    await h.writeFile(text, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(`${path}.tmp`, path);
}
