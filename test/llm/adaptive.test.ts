import { afterEach, describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/llm/adaptive.js';
import { resetSharedEndpoints } from '../../src/llm/endpoint.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { clientFor, counterSum, doc, PersonaReply } from './helpers.js';

describe('AdaptiveConcurrency (AIMD)', () => {
  it('starts at max, halves-ish on push-back once per cooldown, never leaves [min, max]', () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 2, max: 64, backoff: 0.5, now: () => t });
    expect(a.limit).toBe(64);
    a.onReply('x', 100); // baseline 100 ms, cooldown 100 ms
    a.onCongestion();
    expect(a.limit).toBe(32);
    a.onCongestion(); // same instant: within the cooldown, counts once
    expect(a.limit).toBe(32);
    for (let i = 0; i < 20; i++) {
      t += 200;
      a.onCongestion();
    }
    expect(a.limit).toBe(2);
  });

  it('replies typically slower than tolerance x the baseline of their kind are a congestion signal; one slow reply is not', () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 10, tolerance: 2, backoff: 0.5, now: () => t });
    a.onReply('persona', 100);
    a.onReply('article', 1000); // a slower kind, with its own baseline: not congestion
    a.onReply('article', 1100);
    expect(a.limit).toBe(10);
    t += 1000;
    a.onReply('persona', 900); // one slow reply (GC pause, long answer): the median is still fast
    expect(a.limit).toBe(10);
    a.onReply('persona', 250);
    a.onReply('persona', 260); // now the median of the last replies is 2.5x the baseline
    expect(a.limit).toBe(5);
  });

  it('climbs back by one per fast reply, up to max, and holds while replies are neither fast nor slow', () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 8, backoff: 0.5, now: () => t });
    a.onReply('x', 10);
    for (let i = 0; i < 10; i++) {
      t += 100;
      a.onCongestion();
    }
    const before = a.limit;
    let replies = 0;
    while (a.limit < 8) {
      a.onReply('x', 10);
      replies++;
    }
    expect(before).toBe(1);
    // Congestion signals above left the last replies slow: the median recovers after a few fast ones, then +1 each.
    expect(replies).toBeGreaterThanOrEqual(7);
    expect(replies).toBeLessThanOrEqual(12);
    for (let i = 0; i < 100; i++) a.onReply('x', 10);
    expect(a.limit).toBe(8);
    for (let i = 0; i < 10; i++) a.onReply('x', 20); // 2x the baseline: neither grows nor shrinks
    t += 1000;
    expect(a.limit).toBe(8);
  });

  it('does not read its own event-loop delay, or a few ms over a sub-ms baseline, as a queue at the server', () => {
    let t = 0;
    let self = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 256, floorMs: 20, selfDelayMs: () => self, now: () => t });
    a.onReply('x', 0.4); // a 0 ms server: baseline under a millisecond
    for (let i = 0; i < 20; i++) {
      t += 10;
      a.onReply('x', 12); // 30x the baseline, but only 12 ms: below the floor
    }
    expect(a.limit).toBe(256);
    self = 80; // our own loop is 80 ms late: replies that waited in our socket buffer take ~85 ms
    for (let i = 0; i < 20; i++) {
      t += 100;
      a.onReply('x', 85);
    }
    expect(a.limit).toBe(256);
    // The same 85 ms with our loop idle is a queue at the server.
    self = 0;
    for (let i = 0; i < 5; i++) {
      t += 100;
      a.onReply('x', 85);
    }
    expect(a.limit).toBeLessThan(256);
  });

  it('keeps seeing a one-slot queue through the floor: each request in flight adds a whole reply time', () => {
    let t = 0;
    const a = new AdaptiveConcurrency({ min: 1, max: 32, floorMs: 20, now: () => t });
    a.onReply('x', 20);
    // The server answers one at a time, 20 ms each: a reply takes (in flight) x 20 ms.
    for (let i = 0; i < 400; i++) {
      t += 20;
      a.onReply('x', a.limit * 20);
    }
    expect(a.limit).toBeLessThanOrEqual(4);
  });
});

describe('adaptive concurrency against a one-slot server (simulator with slots: 1)', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    resetSharedEndpoints();
  });

  async function run(adaptive: boolean) {
    // One slot, 20 ms per request: 32 in flight would wait up to 640 ms there, well past the 300 ms timeout.
    sim = await startSimulator({ port: 0, slots: 1, latency: { dist: 'fixed', ms: 20 } });
    // The breaker is out of the way: this is about the in-flight cap alone.
    const { client, metrics } = clientFor(sim, { maxInFlight: 32, timeoutMs: 300, maxAttempts: 10, breakerFailures: 10_000, adaptiveConcurrency: adaptive, backoffBaseMs: 20, backoffMaxMs: 200 });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => client.complete({ stage: 'extract', messages: [{ role: 'user', content: doc(i) }], schema: PersonaReply, schemaName: 'personas' })),
    );
    const timeouts = await counterSum(metrics.llmRequests, { outcome: 'llm_timeout' });
    const limit = (await metrics.llmConcurrencyLimit.get()).values[0]?.value;
    const r = { ok: results.filter((x) => x.status === 'fulfilled').length, timeouts, limit };
    return r;
  }

  it('is not flooded into timeouts: the limit falls to a few, and every call succeeds', async () => {
    const fixed = await run(false);
    await sim!.close();
    sim = undefined;
    resetSharedEndpoints();
    const adaptive = await run(true);
    // Without adaptation the queue at the server times calls out over and over.
    expect(fixed.timeouts).toBeGreaterThan(20);
    // With it, a handful of early timeouts at most, then the cap follows the one slot.
    expect(adaptive.ok).toBe(60);
    expect(adaptive.timeouts).toBeLessThan(fixed.timeouts / 2);
    // The cap ends where replies stop reading as a queue: about 2-4 on a quiet machine; on a busy one the discount
    // for our own event-loop delay lets it settle a little higher (5 seen in CI at load 4-6). Far below the 32 it
    // started from either way; the exact one-slot bound (<= 4) is asserted on a fake clock above.
    expect(adaptive.limit).toBeLessThanOrEqual(8);
  });
});
