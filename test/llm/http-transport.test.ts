import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyAttemptError } from '../../src/llm/classify-error.js';
import { resetSharedEndpoints } from '../../src/llm/endpoint.js';
import { HttpTransport } from '../../src/llm/http-transport.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { clientFor, doc, PersonaReply } from './helpers.js';

/** A server that answers every POST with `status` and `body` (and counts what it got). */
async function fixedServer(status: number, body: string, headers: Record<string, string> = {}): Promise<{ server: Server; url: string; got: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, got: () => n };
}

describe('HttpTransport (llm.endpoint.transport: http)', () => {
  let sim: Simulator | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    resetSharedEndpoints();
  });

  it('gives the same validated reply as the openai transport, and both are recognised as simulated', async () => {
    sim = await startSimulator({ port: 0 });
    const results = [];
    for (const transport of ['http', 'openai'] as const) {
      resetSharedEndpoints();
      const { client } = clientFor(sim, { transport });
      results.push(await client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(1) }], schema: PersonaReply, schemaName: 'personas', params: { seed: 7 } }));
      await client.close();
    }
    expect(results[0]!.value).toEqual(results[1]!.value);
    expect(results.map((r) => r.simulated)).toEqual([true, true]);
    expect(results[0]!.usage).toEqual(results[1]!.usage);
  });

  it('throws the openai error classes, so statuses classify as with the openai client (Retry-After included)', async () => {
    const cases: Array<[number, string, Record<string, string>, string, string]> = [
      [429, '{"error":{"message":"slow down"}}', { 'retry-after-ms': '1500' }, 'retriable', 'llm_rate_limited'],
      [503, 'upstream down', {}, 'retriable', 'llm_server_error'],
      [401, '{"error":{"message":"bad key"}}', {}, 'fatal', 'llm_bad_request'],
      [400, '{"error":{"message":"context too long"}}', {}, 'poison', 'llm_bad_request'],
    ];
    for (const [status, body, headers, kind, code] of cases) {
      const s = await fixedServer(status, body, headers);
      server = s.server;
      const t = new HttpTransport(s.url, 'k', 4);
      const err = await t.postJson('/chat/completions', { model: 'm' }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
      const pe = classifyAttemptError(err);
      expect({ status, kind: pe?.kind, code: pe?.code }).toEqual({ status, kind, code });
      if (status === 429) expect(pe?.retryAfterMs).toBe(1500);
      t.close();
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
  });

  it('a 200 that is not a JSON object is a connection-level failure (retried), not a crash', async () => {
    const s = await fixedServer(200, '<html>proxy error</html>');
    server = s.server;
    const t = new HttpTransport(s.url, 'k', 4);
    const err = await t.postJson('/chat/completions', {}, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(classifyAttemptError(err)?.code).toBe('llm_connection');
    t.close();
  });

  it('times out and aborts: timeout → llm_timeout, abort → the caller’s abort (not classified)', async () => {
    // A server that never answers.
    server = createServer(() => undefined);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const t = new HttpTransport(url, 'k', 4);
    const timedOut = await t.postJson('/chat/completions', {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(classifyAttemptError(timedOut)?.code).toBe('llm_timeout');
    const ac = new AbortController();
    const pending = t.postJson('/chat/completions', {}, { timeoutMs: 60_000, signal: ac.signal }).catch((e: unknown) => e);
    ac.abort();
    expect(classifyAttemptError(await pending)).toBeUndefined();
    t.close();
  });
});
