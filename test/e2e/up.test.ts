import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SAMPLE_DOCUMENTS } from '../../src/cli/commands/up.js';
import { loadConfig } from '../../src/config/load.js';
import { SCENARIOS } from '../../src/contracts/scenarios.js';
import { createKafka } from '../../src/kafka/client.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The README's first command, as a user runs it: `personahub up --once --fresh` in its own process (here on 8 of
 * the sample documents and maxHops 1 to keep it short). It must exit 0 with a summary that labels the simulator and
 * shows records on all six synth topics. With --json, stdout is exactly one JSON object (the summary) and the live
 * progress goes to stderr (CLI conventions, issue #11).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('personahub up --once --fresh', () => {
  it('ends with a summary showing records on every synth topic, the simulator labelled', async () => {
    const dir = tempDir('personahub-up-');
    const docs = join(dir, 'docs.jsonl');
    writeFileSync(docs, readFileSync(SAMPLE_DOCUMENTS, 'utf8').split('\n').slice(0, 8).join('\n') + '\n');
    const configFile = join(dir, 'personahub.yaml');
    writeFileSync(configFile, 'http:\n  port: 0\nruntime:\n  commitIntervalMs: 200\nstages:\n  expand:\n    maxHops: 1\n');

    const child = spawn(process.execPath, ['bin/personahub.mjs', '-c', configFile, 'up', '--once', '--fresh', '--no-stack', '--json', '--input', docs, '--timeout', '180', '--quiet', '3'], {
      cwd: ROOT,
      env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // Bounded: up --once has its own --timeout; this is the backstop.
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 220_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });

    const prefix = /prefix "([^"]+)"/.exec(stderr)?.[1];
    try {
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/LLM: SIMULATOR/);
      expect(stderr).toMatch(/\[\s*\d+s\] docs=/); // progress, on stderr
      expect(stdout.trim().split('\n'), 'stdout holds only the JSON summary').toHaveLength(1);
      const summary = JSON.parse(stdout) as {
        drained: boolean;
        llm: string;
        prefix: string;
        topics: Record<string, { written: number; consumed: number }>;
        deadLetteredByCode: Record<string, number>;
      };
      expect(summary.drained).toBe(true);
      expect(summary.llm).toMatch(/^SIMULATOR/);
      expect(summary.prefix).toBe(prefix);
      expect(summary.topics['web.documents']).toEqual({ written: 8, consumed: 8 });
      for (const s of SCENARIOS) expect(summary.topics[`synth.${s}`]!.written, `synth.${s}`).toBeGreaterThan(0);
      expect(summary.deadLetteredByCode).toEqual({});
    } finally {
      if (prefix) {
        const admin = createKafka(loadConfig().kafka).admin();
        await admin.connect();
        const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        if (mine.length > 0) await admin.deleteTopics({ topics: mine });
        await admin.disconnect();
      }
    }
  });
});
