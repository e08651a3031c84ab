import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WARCRecord, WARCSerializer } from 'warcio';
import { ingestFile } from '../../src/cli/commands/ingest.js';
import { applyTopicsAndSchemas } from '../../src/cli/prepare-cluster.js';
import { loadConfig } from '../../src/config/load.js';
import { WebDocument } from '../../src/contracts/web-document.js';
import { createKafka } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { jsonCodec } from '../../src/runtime/json-codec.js';
import { ingestItems } from '../../src/ingest/produce.js';
import type { IngestItem } from '../../src/ingest/types.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';
import { tempDir } from '../support/temp-dir.js';
import { readAllRecords } from '../support/flow-helpers.js';

/** ingest → real topic (registry-framed) → read back until caught up: what `ingest` and `export` do. */
describe('ingest to a real topic', () => {
  it('produces every WET document registry-framed, keyed by id, and export-style reading gets them all', async () => {
    const config = loadConfig();
    const logger = createLogger('ingest-int', 'warn');
    const prefix = `ingest-${randomUUID().slice(0, 8)}.`;
    await applyTopicsAndSchemas(config, prefix, logger);

    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 25; i++) {
      const record = WARCRecord.create(
        { url: `https://wet.example/${i}`, type: 'conversion', warcHeaders: { 'Content-Type': 'text/plain' } },
        (async function* () {
          yield enc.encode(i % 5 === 4 ? '   ' : `Page ${i} about tidal energy, salt marshes and harbour pilots.`);
        })(),
      );
      parts.push(await WARCSerializer.serialize(record, { gzip: true }));
    }
    const file = join(tempDir('personahub-ingest-int-'), 'crawl.warc.wet.gz');
    writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));

    const summary = await ingestFile({ file, prefix, progress: false });
    expect(summary).toMatchObject({ read: 25, produced: 20 });
    expect(summary.skipped.no_text).toBe(5);

    const got = await readAllRecords(config, `${prefix}web.documents`, logger);
    expect(got).toHaveLength(20);
    for (const r of got) {
      expect(r.raw![0]).toBe(0); // Confluent framing: magic byte, then the schema id
      const doc = WebDocument.parse(r.value);
      expect(r.key).toBe(doc.id);
      expect(doc.source).toBe('crawl.warc.wet.gz');
    }
    expect(new Set(got.map((r) => (r.value as WebDocument).url)).size).toBe(20);

    const admin = createKafka(config.kafka, { logger }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) });
    await admin.disconnect();
  });

  it('size policy: a 5 MB page is skipped as too_large, a page just under the limit reaches the topic, ingest completes', async () => {
    const config = loadConfig();
    const logger = createLogger('ingest-int', 'warn');
    const prefix = `ingest-size-${randomUUID().slice(0, 8)}.`;
    await applyTopicsAndSchemas(config, prefix, logger);
    const text = (n: number) => `${'tidal energy and salt marshes '.repeat(Math.ceil(n / 30)).slice(0, n - 1)}x`;
    const limit = config.ingest.maxDocumentBytes;
    const lines = [
      { id: 'before', url: 'https://size.example/before', text: text(400) },
      { id: 'huge', url: 'https://size.example/huge', text: text(5_000_000) },
      { id: 'near', url: 'https://size.example/near', text: text(limit - 500) },
      { id: 'after', url: 'https://size.example/after', text: text(400) },
      // 6 MB of mid-size pages, ~1 MB per partition: all arrive although web.documents takes at most 950,000 bytes
      // per batch.
      ...Array.from({ length: 24 }, (_, i) => ({ id: `mid-${i}`, url: `https://size.example/mid-${i}`, text: `${i} ${text(250_000)}` })),
    ].map((d) => JSON.stringify(d));
    const file = join(tempDir('personahub-ingest-size-'), 'docs.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const summary = await ingestFile({ file, prefix, progress: false });
    expect(summary).toMatchObject({ read: 28, produced: 27 });
    expect(summary.skipped.too_large).toBe(1);
    const got = await readAllRecords(config, `${prefix}web.documents`, logger);
    expect(got.map((r) => r.key).sort()).toEqual(['after', 'before', ...Array.from({ length: 24 }, (_, i) => `mid-${i}`), 'near'].sort());
    const near = got.find((r) => r.key === 'near')!;
    expect((near.value as WebDocument).text).toBe(text(limit - 500)); // whole, not cut

    const admin = createKafka(config.kafka, { logger }).admin();
    await admin.connect();
    // The topic's own limit, set deliberately by topics/ (950,000), not the broker default.
    const described = await admin.topicConfigs.describe([`${prefix}web.documents`]);
    expect(described.get(`${prefix}web.documents`)?.get('max.message.bytes')).toBe('950000');
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) });
    await admin.disconnect();
  });

  it('a document the broker refuses is reported and counted produce_failed; the others are produced once', async () => {
    const config = loadConfig();
    const logger = createLogger('ingest-int', 'warn');
    const kafka = createKafka(config.kafka, { logger });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `ingest-refused-${randomUUID().slice(0, 8)}.web.documents`;
    // A topic that takes at most 10 kB per batch: a 40 kB document is refused by the broker, not by ingest.
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '10000' }] }]);
    const doc = (id: string, n: number): WebDocument => ({ id, url: `https://refused.example/${id}`, text: `${id} `.repeat(n), fetchedAt: new Date(0).toISOString(), source: 'test' });
    const docs = [doc('a', 50), doc('b', 50), doc('big', 10_000), doc('c', 50)];
    async function* items(): AsyncIterable<IngestItem> {
      for (const d of docs) yield { kind: 'document', doc: d };
    }
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const rejected: string[] = [];
    const summary = await ingestItems(items(), { producer, codec: jsonCodec, topic, onRejected: (id) => void rejected.push(id) });
    await producer.disconnect();
    expect(summary).toMatchObject({ read: 4, produced: 3 });
    expect(summary.skipped.produce_failed).toBe(1);
    expect(rejected).toEqual(['big']);
    const got = await readAllRecords(config, topic, logger);
    expect(got.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});
