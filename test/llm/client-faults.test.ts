import { afterEach, describe, expect, it } from 'vitest';
import { isPersonahubError } from '../../src/errors.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { PersonaReply, clientFor, counterSum, doc, waitFor } from './helpers.js';

/**
 * The client against the simulator over real HTTP, with injected faults. The simulator is the witness: it
 * records what it received (in flight, arrivals per window, gaps between attempts, usage it reported).
 */
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ALLOWED_FAILURES = new Set([
  'retriable:llm_rate_limited',
  'retriable:llm_server_error',
  'retriable:llm_timeout',
  'retriable:llm_connection',
  'retriable:llm_circuit_open',
  'poison:llm_malformed_reply',
]);

describe('LLM client under injected faults', () => {
  it('20% 429, 10% 5xx, 5% timeouts, 5% malformed: every call ends valid or correctly classified, within the limits', async () => {
    sim = await startSimulator({
      port: 0,
      seed: 7,
      latency: { dist: 'uniform', minMs: 1, maxMs: 6 },
      faults: { rateLimited: 0.2, serverError: 0.1, timeout: 0.05, malformed: 0.05, retryAfterMs: 30, hangMs: 30_000 },
    });
    const maxInFlight = 8;
    const perWindow = 120;
    const windowMs = 2000;
    const { client, metrics } = clientFor(
      sim,
      // The guard absorbs the spread of delays between the client's admission and the simulator's clock. Both share
      // this process, and on a loaded 2-core CI box an event-loop stall can delay one request >100 ms more than
      // another; a 250 ms guard (12.5% of the window, so 12.5% of the rate) keeps the test honest on such a box.
      { maxInFlight, requestsPerMinute: (perWindow * 60_000) / windowMs, rateWindowMs: windowMs, rateGuardMs: 250, timeoutMs: 2000, maxAttempts: 6, maxMalformedReplies: 3, breakerFailures: 1000 },
      { prices: { 'personahub-sim-1': { inputPerMTok: 3, outputPerMTok: 15 } } },
    );
    const calls = 160;
    const results = await Promise.allSettled(
      Array.from({ length: calls }, (_, i) => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'personas' })),
    );

    let ok = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        ok++;
        expect(PersonaReply.safeParse(r.value.value).success).toBe(true);
        expect(r.value.simulated).toBe(true);
      } else {
        expect(isPersonahubError(r.reason)).toBe(true);
        const e = r.reason as { kind: string; code: string };
        expect(ALLOWED_FAILURES).toContain(`${e.kind}:${e.code}`);
      }
    }
    // With up to six attempts, nearly every call gets through (the rest are classified, checked above).
    expect(ok / calls).toBeGreaterThan(0.9);

    // Let hung-up "timeout" requests leave the simulator before reading its final counts.
    expect(await waitFor(() => sim!.stats().inFlight === 0)).toBe(true);
    const s = sim.stats(windowMs);
    for (const f of ['rate_limited', 'server_error', 'timeout'] as const) expect(s.faults[f]).toBeGreaterThan(0);
    expect(s.faults.malformed_json + s.faults.malformed_schema).toBeGreaterThan(0);
    expect(s.maxInFlight).toBeLessThanOrEqual(maxInFlight);
    expect(s.maxInWindow.count).toBeLessThanOrEqual(perWindow);

    // Every HTTP attempt the client counted reached the simulator, and vice versa.
    expect(await counterSum(metrics.llmRequests)).toBe(s.requests.chat);
    // Tokens and cost equal what the simulator reported in its replies (including malformed ones, which are billed).
    // A reply the simulator sent just as the client gave up is billed by the server but unseen by the client; that
    // only happens when the client timed out more often than the simulator held requests (a stalled machine).
    const input = await counterSum(metrics.llmTokens, { direction: 'input' });
    const output = await counterSum(metrics.llmTokens, { direction: 'output' });
    const clientTimeouts = await counterSum(metrics.llmRequests, { outcome: 'llm_timeout' });
    expect(clientTimeouts).toBeGreaterThanOrEqual(s.faults.timeout);
    if (clientTimeouts === s.faults.timeout) {
      expect(input).toBe(s.usage.promptTokens);
      expect(output).toBe(s.usage.completionTokens);
    } else {
      expect(input).toBeLessThanOrEqual(s.usage.promptTokens);
      expect(output).toBeLessThanOrEqual(s.usage.completionTokens);
    }
    expect(await counterSum(metrics.llmCost)).toBeCloseTo((input * 3 + output * 15) / 1e6, 9);
    expect(client.spentUsd).toBeCloseTo((input * 3 + output * 15) / 1e6, 9);
  });

  it('honours Retry-After in milliseconds: the simulator sees every retry after a 429 no sooner than asked', async () => {
    sim = await startSimulator({ port: 0, seed: 3, faults: { rateLimited: 0.5, retryAfterMs: 150, retryAfterFormat: 'ms' } });
    const { client } = clientFor(sim, { maxInFlight: 8, holdOn429: false, backoffBaseMs: 1, maxAttempts: 10 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'p' })));
    const after429 = sim.stats().retryGaps.filter((g) => g.previousStatus === 429);
    expect(after429.length).toBeGreaterThan(3);
    for (const g of after429) expect(g.gapMs).toBeGreaterThanOrEqual(g.previousRetryAfterMs!);
  });

  it('honours Retry-After in whole seconds', async () => {
    sim = await startSimulator({ port: 0, seed: 5, faults: { rateLimited: 0.5, retryAfterMs: 1000, retryAfterFormat: 'seconds' } });
    const { client } = clientFor(sim, { maxInFlight: 4, backoffBaseMs: 1, maxAttempts: 10 });
    await Promise.all(Array.from({ length: 4 }, (_, i) => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'p' })));
    const after429 = sim.stats().retryGaps.filter((g) => g.previousStatus === 429);
    expect(after429.length).toBeGreaterThan(0);
    for (const g of after429) expect(g.gapMs).toBeGreaterThanOrEqual(1000);
  });

  it('circuit breaker: opens on consecutive 5xx, rejects fast, half-opens and closes on a good probe', async () => {
    sim = await startSimulator({ port: 0, faults: { serverError: 1 } });
    const { client, metrics } = clientFor(sim, { maxInFlight: 1, breakerFailures: 3, breakerHalfOpenAfterMs: 300, maxAttempts: 10, backoffBaseMs: 1 });
    const ask = () => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(1) }], schema: PersonaReply, schemaName: 'p' });

    const first = await ask().catch((e: unknown) => e);
    expect(first).toMatchObject({ kind: 'retriable', code: 'llm_circuit_open' });
    expect(sim.stats().requests.chat).toBe(3);
    const t0 = performance.now();
    expect(await ask().catch((e: unknown) => e)).toMatchObject({ kind: 'retriable', code: 'llm_circuit_open' });
    expect(performance.now() - t0).toBeLessThan(250);
    expect(sim.stats().requests.chat).toBe(3);
    expect((await metrics.llmCircuitOpen.get()).values[0]!.value).toBe(1);

    sim.setFaults({ serverError: 0 });
    let rejected = 0;
    const recovered = await waitFor(async () => {
      try {
        await ask();
        return true;
      } catch (e) {
        expect(e).toMatchObject({ code: 'llm_circuit_open' });
        rejected++;
        return false;
      }
    }, 5_000, 20);
    expect(recovered).toBe(true);
    expect(rejected).toBeGreaterThan(0);
    expect(sim.stats().requests.chat).toBe(4); // exactly one probe went through
    expect((await metrics.llmCircuitOpen.get()).values[0]!.value).toBe(0);
  });

  it('malformed replies are re-asked, then the call is poison; their tokens are still charged', async () => {
    sim = await startSimulator({ port: 0, faults: { malformed: 1 } });
    const { client, metrics } = clientFor(sim, { maxMalformedReplies: 3, maxAttempts: 6 });
    const err = await client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(2) }], schema: PersonaReply, schemaName: 'p' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'poison', code: 'llm_malformed_reply' });
    const s = sim.stats();
    expect(s.requests.chat).toBe(3);
    expect(await counterSum(metrics.llmErrors, { code: 'llm_malformed_reply' })).toBe(1);
    expect(await counterSum(metrics.llmRetries, { code: 'llm_malformed_reply' })).toBe(2);
    expect(await counterSum(metrics.llmTokens, { direction: 'input' })).toBe(s.usage.promptTokens);
  });

  it('a timeout on every attempt ends retriable llm_timeout, and the simulator sees the client hang up', async () => {
    sim = await startSimulator({ port: 0, faults: { timeout: 1 } });
    const { client } = clientFor(sim, { timeoutMs: 100, maxAttempts: 2 });
    const err = await client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(3) }], schema: PersonaReply, schemaName: 'p' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'retriable', code: 'llm_timeout' });
    expect(sim.stats().requests.chat).toBe(2);
    expect(await waitFor(() => sim!.stats().inFlight === 0)).toBe(true);
  });
});

describe('circuit breaker and queued calls', () => {
  it('calls queued behind the limiter when the circuit opens are rejected instead of sent', async () => {
    sim = await startSimulator({ port: 0, latency: { dist: 'fixed', ms: 20 }, faults: { serverError: 1 } });
    const { client } = clientFor(sim, { maxInFlight: 1, breakerFailures: 2, breakerHalfOpenAfterMs: 60_000, maxAttempts: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'p' })),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'));
    // One at a time: the first two fail at the endpoint and open the circuit; the eighteen waiting for the slot
    // never reach it (the slot is handed on only after the breaker has counted the failure).
    expect(sim.stats().requests.chat).toBe(2);
    expect(codes.filter((c) => c === 'llm_server_error')).toHaveLength(2);
    expect(codes.filter((c) => c === 'llm_circuit_open')).toHaveLength(18);
  });
});
