import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createLlmClient } from '../../src/llm/client.js';
import { createMetrics } from '../../src/metrics/catalogue.js';

/**
 * A re-ask after a malformed reply moves a configured seed on by one. The server here behaves as a seeded llama.cpp
 * does: its reply depends only on the seed, so the same seed gives the same (here: cut-off) reply every time, and
 * re-asking under it could never succeed.
 */
const Reply = z.object({ answer: z.string() });

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** Answers a cut-off reply (finish_reason length) for every seed in `badSeeds`, a valid one otherwise; records the seeds asked. */
async function seededServer(badSeeds: Array<number | undefined>): Promise<{ url: string; seeds: Array<number | undefined> }> {
  const seeds: Array<number | undefined> = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { seed?: number };
      seeds.push(body.seed);
      const bad = badSeeds.includes(body.seed);
      const content = bad ? '{"answer":"the heat adds to the heat adds to the' : '{"answer":"42"}';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'seeded-1', choices: [{ index: 0, finish_reason: bad ? 'length' : 'stop', message: { role: 'assistant', content } }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1`, seeds };
}

const clientAt = (url: string, seed?: number) =>
  createLlmClient({ endpoint: { baseUrl: url, maxMalformedReplies: 3 }, structuredOutput: 'json_object', ...(seed !== undefined ? { params: { seed } } : {}) }, { metrics: createMetrics(new Registry()) });
const ask = { stage: 'synthesize', scenario: 'math', messages: [{ role: 'user' as const, content: 'a problem, please' }], schema: Reply, schemaName: 'math' };

describe('re-asking a seeded endpoint', () => {
  it('each re-ask uses the next seed, and the seed that answered is the one recorded', async () => {
    const s = await seededServer([7, 8]);
    const client = clientAt(s.url, 7);
    const r = await client.complete(ask);
    expect(s.seeds).toEqual([7, 8, 9]);
    expect(r.value).toEqual({ answer: '42' });
    expect(r.attempts).toBe(3);
    expect(r.params.seed).toBe(9);
    await client.close();
  });

  it('a call answered at once keeps its seed', async () => {
    const s = await seededServer([]);
    const client = clientAt(s.url, 7);
    const r = await client.complete(ask);
    expect(s.seeds).toEqual([7]);
    expect(r.params.seed).toBe(7);
    await client.close();
  });

  it('without a configured seed none is sent, re-asks included; still poison after maxMalformedReplies', async () => {
    const s = await seededServer([undefined]);
    const client = clientAt(s.url);
    const err = await client.complete(ask).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'poison', code: 'llm_malformed_reply' });
    expect(s.seeds).toEqual([undefined, undefined, undefined]);
    await client.close();
  });
});
