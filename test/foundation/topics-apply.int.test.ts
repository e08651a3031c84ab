import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsFor } from '../../topics/index.js';
import { applyTopicPlan, planStatus, planTopics, waitForTopics } from '../../src/kafka/topic-plan.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';
import { deleteTopicsWithPrefix, kafka, randomPrefix } from './helpers.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/personahub.mjs', import.meta.url));

describe('topics apply against the real broker', () => {
  const admin = kafka().admin();
  const prefixes: string[] = [];
  const fresh = (what: string) => {
    const p = randomPrefix(what);
    prefixes.push(p);
    return p;
  };

  beforeAll(async () => admin.connect());
  afterAll(async () => {
    for (const p of prefixes) await deleteTopicsWithPrefix(admin, p);
    await admin.disconnect();
  });

  it('`topics apply --dry-run` on a broker without them lists every topic of the design, and creates nothing', async () => {
    const prefix = fresh('dry');
    const { stdout } = await run(process.execPath, [BIN, 'topics', 'apply', '--dry-run', '--prefix', prefix], { timeout: 120_000 });
    const topics = topicsFor({ prefix });
    for (const t of topics) expect(stdout).toMatch(new RegExp(`^create +${t.name.replace(/\./g, '\\.')} +partitions=${t.partitions} `, 'm'));
    expect(stdout).toContain(`plan: ${topics.length} to create, 0 to change, 0 unchanged`);
    expect((await admin.listTopics()).filter((t) => t.startsWith(prefix))).toEqual([]);
  });

  it('`topics delete --prefix` removes exactly that run\'s topics, only with --yes; it refuses an empty prefix', async () => {
    const prefix = fresh('del');
    const other = fresh('keep');
    for (const p of [prefix, other]) {
      const topics = topicsFor({ prefix: p });
      await applyTopicPlan(admin, await planTopics(admin, topics));
      await waitForTopics(admin, topics);
    }
    const count = topicsFor({ prefix }).length;
    const mine = async (p: string) => (await admin.listTopics()).filter((t) => t.startsWith(p)).length;

    const noYes = await run(process.execPath, [BIN, 'topics', 'delete', '--prefix', prefix], { timeout: 120_000 });
    expect(noYes.stdout).toContain(`plan: ${count} topic(s)`);
    expect(noYes.stdout).toContain('nothing deleted');
    expect(await mine(prefix)).toBe(count);

    const empty = await run(process.execPath, [BIN, 'topics', 'delete', '--prefix', ' ', '--yes'], { timeout: 120_000 }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in empty && empty.code).not.toBe(0);

    const yes = await run(process.execPath, [BIN, 'topics', 'delete', '--prefix', prefix, '--yes'], { timeout: 120_000 });
    expect(yes.stdout).toContain('deleted');
    const deadline = Date.now() + 60_000;
    while ((await mine(prefix)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await mine(prefix)).toBe(0);
    expect(await mine(other)).toBe(topicsFor({ prefix: other }).length); // another run's topics untouched
  });

  it('creates everything once; applied twice is a no-op', async () => {
    const prefix = fresh('twice');
    const topics = topicsFor({ prefix });
    await applyTopicPlan(admin, await planTopics(admin, topics));
    await waitForTopics(admin, topics);

    // Converged: a second plan has nothing to do, and the CLI agrees.
    const second = await planTopics(admin, topics);
    expect(second.filter((e) => planStatus(e) !== 'ok').map((e) => e.topic.name)).toEqual([]);
    expect(second.flatMap((e) => e.warnings)).toEqual([]);

    const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const t of topics) expect(meta.find((m) => m.name === t.name)?.partitions.length, t.name).toBe(t.partitions);

    const { stdout } = await run(process.execPath, [BIN, 'topics', 'apply', '--prefix', prefix], { timeout: 120_000 });
    expect(stdout).toContain(`plan: 0 to create, 0 to change, ${topics.length} unchanged`);
    expect(stdout).toContain('nothing to do');
  });

  it('raises partitions and aligns drifted configs, never lowers or deletes', async () => {
    const prefix = fresh('drift');
    const all = topicsFor({ prefix });
    const docs = all.find((t) => t.baseName === 'web.documents')!;
    const dlq = all.find((t) => t.baseName.includes('.dlq.'))!;
    const topics = [docs, dlq];
    await createTopicsAndWait(admin, [
      { topic: docs.name, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] },
      { topic: dlq.name, numPartitions: dlq.partitions + 2, replicationFactor: 1 },
    ]);

    const plan = await planTopics(admin, topics);
    const docsEntry = plan.find((e) => e.topic.name === docs.name)!;
    expect(docsEntry.raisePartitions).toEqual({ from: 2, to: docs.partitions });
    expect(docsEntry.configChanges).toContainEqual({ key: 'retention.ms', from: '1000', to: docs.configs['retention.ms'] });
    const dlqEntry = plan.find((e) => e.topic.name === dlq.name)!;
    expect(dlqEntry.raisePartitions).toBeUndefined();
    expect(dlqEntry.warnings.join()).toMatch(/more than the 1 declared/);

    await applyTopicPlan(admin, plan);
    await waitForTopics(admin, topics);
    const meta = await admin.fetchTopicMetadata({ topics: [docs.name, dlq.name] });
    expect(meta.find((m) => m.name === docs.name)!.partitions).toHaveLength(docs.partitions);
    expect(meta.find((m) => m.name === dlq.name)!.partitions).toHaveLength(dlq.partitions + 2);
    const cfg = await admin.topicConfigs.describe([docs.name]);
    expect(cfg.get(docs.name)?.get('retention.ms')).toBe(docs.configs['retention.ms']);
  });
});
