import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { valueSubject } from '../../topics/types.js';
import { createTopicsAndWait } from '../../src/kafka/admin.js';
import { deleteTopicsWithPrefix, kafka, randomPrefix, registry } from '../foundation/helpers.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * CLI conventions (issue #11 defect 9), through the real binary: --version; usage errors exit 2, runtime
 * failures 1; results on stdout; `export` without --out writes to stdout (no file appears); `--json` for
 * `topics apply --dry-run` and `schemas register`. Runs against the shared stack under a random prefix.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/personahub.mjs');

function cli(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('personahub CLI conventions', () => {
  const prefix = randomPrefix('cli');
  afterAll(async () => {
    const admin = kafka().admin();
    await admin.connect();
    await deleteTopicsWithPrefix(admin, prefix);
    await admin.disconnect();
    const r = registry();
    for (const s of (await r.getAllSubjects()).filter((s) => s.startsWith(prefix))) await r.deleteSubject(s, false).catch(() => undefined);
  });

  it('--version prints the package version and exits 0', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each([
    ['an unknown command', ['no-such-command']],
    ['an unknown option', ['up', '--no-such-option']],
    ['a bad option value', ['up', '--timeout', 'soon']],
    ['a value checked by the command', ['export', '--topic', 'synth.math', '--format', 'xml']],
  ])('a usage error (%s) exits 2 with a message on stderr', async (_what, args) => {
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error/i);
    expect(r.stdout).toBe('');
  });

  it('a runtime failure (an input file that does not exist) exits 1', async () => {
    const r = await cli(['ingest', '/nonexistent/documents.jsonl']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot read input file');
  });

  it('export without --out writes JSON Lines to stdout and creates no file', async () => {
    const topic = `${prefix}export-me`;
    const admin = kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '{"n":1}' }, { value: '{"n":2}' }] });
    await producer.disconnect();
    const cwd = tempDir('ph-export-');
    const r = await cli(['export', '--topic', topic, '--format', 'jsonl'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readdirSync(cwd)).toEqual([]);
    expect(r.stderr).toContain('exported 2 records');
  });

  it('topics apply --dry-run --json prints the plan as JSON and changes nothing', async () => {
    const r = await cli(['topics', 'apply', '--dry-run', '--json', '--prefix', prefix]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { applied: boolean; changes: number; topics: Array<{ topic: string; status: string }> };
    expect(plan.applied).toBe(false);
    expect(plan.topics.find((t) => t.topic === `${prefix}web.documents`)?.status).toBe('create');
    expect(plan.changes).toBe(plan.topics.length);
    const admin = kafka().admin();
    await admin.connect();
    const existing = await admin.listTopics();
    await admin.disconnect();
    expect(existing.filter((t) => t.startsWith(`${prefix}web.`))).toEqual([]);
  });

  it('schemas register --json prints every subject with id and version', async () => {
    const r = await cli(['schemas', 'register', '--json', '--prefix', prefix]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { compatibility: string; subjects: Array<{ subject: string; status: string; id: number; version: number }> };
    expect(out.compatibility).toBe('BACKWARD');
    const docs = out.subjects.find((s) => s.subject === valueSubject(`${prefix}web.documents`));
    expect(docs).toMatchObject({ status: 'registered' });
    expect(docs!.id).toBeGreaterThan(0);
  });
});
