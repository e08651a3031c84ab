import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { RecordBatch as ArrowBatch, Struct, Table as ArrowTable, makeBuilder, tableToIPC, type Schema } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream, type RecordBatch as WasmBatch } from 'parquet-wasm';
import { toColumns, type ColumnSpec } from './columns.js';

export interface ParquetFileOptions {
  /** Rows per row group (one Arrow record batch each). */
  rowGroupSize: number;
  /** Key-value metadata written into the Parquet footer (topic, contract, export time, …). */
  metadata?: Record<string, string>;
}

/**
 * One Parquet file written as rows arrive: rows are buffered up to `rowGroupSize`, turned into an Arrow record
 * batch and streamed through parquet-wasm's writer (Apache Arrow's Rust `parquet` crate compiled to WebAssembly),
 * so memory holds one row group, not the file. ZSTD compression.
 *
 * Atomic: bytes go to `<path>.tmp`; `close()` flushes, fsyncs and renames it to `path`, so a reader (or a crash)
 * never sees a half-written file under the final name. `abort()` removes the temporary file.
 */
export class ParquetFileWriter {
  private rows: unknown[] = [];
  private count = 0;
  private controller!: ReadableStreamDefaultController<WasmBatch>;
  private readonly piped: Promise<void>;
  private handle: FileHandle | undefined;

  private constructor(
    private readonly path: string,
    private readonly schema: Schema,
    private readonly spec: Extract<ColumnSpec, { kind: 'struct' }>,
    private readonly o: ParquetFileOptions,
    handle: FileHandle,
  ) {
    this.handle = handle;
    const batches = new ReadableStream<WasmBatch>({ start: (c) => void (this.controller = c) });
    const props = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setMaxRowGroupSize(o.rowGroupSize)
      .setCreatedBy('personahub export (parquet-wasm)')
      .setKeyValueMetadata(new Map(Object.entries(o.metadata ?? {})))
      .build();
    this.piped = (async () => {
      const bytes = await transformParquetStream(batches, props);
      const reader = (bytes as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await handle.write(value);
      }
    })();
    this.piped.catch(() => undefined);
  }

  static async create(path: string, schema: Schema, spec: Extract<ColumnSpec, { kind: 'struct' }>, o: ParquetFileOptions): Promise<ParquetFileWriter> {
    return new ParquetFileWriter(path, schema, spec, o, await open(`${path}.tmp`, 'w'));
  }

  get rowCount(): number {
    return this.count;
  }

  append(record: unknown): void {
    this.rows.push(toColumns(this.spec, record));
    this.count++;
    if (this.rows.length >= this.o.rowGroupSize) this.flushBatch();
  }

  private flushBatch(): void {
    if (this.rows.length === 0) return;
    const builder = makeBuilder({ type: new Struct(this.schema.fields), nullValues: [null, undefined] });
    for (const r of this.rows) builder.append(r as never);
    const data = builder.finish().flush();
    const table = new ArrowTable(this.schema, [new ArrowBatch(this.schema, data as never)]);
    for (const b of WasmTable.fromIPCStream(tableToIPC(table, 'stream')).recordBatches()) this.controller.enqueue(b);
    this.rows = [];
  }

  /** Write what is buffered, finish the file (footer), fsync, and move it to its final name. */
  async close(): Promise<void> {
    this.flushBatch();
    this.controller.close();
    await this.piped;
    await this.handle!.sync();
    await this.handle!.close();
    this.handle = undefined;
    await rename(`${this.path}.tmp`, this.path);
  }

  async abort(): Promise<void> {
    try {
      this.controller.error(new Error('aborted'));
    } catch {
      // already closed
    }
    await this.piped.catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    await rm(`${this.path}.tmp`, { force: true });
  }
}
