import { Registry } from 'prom-client';
import { z } from 'zod';
import { createMetrics, type Metrics } from '../../src/metrics/catalogue.js';
import { createLlmClient, type OpenAiLlmClient } from '../../src/llm/client.js';
import type { LlmConfigInput } from '../../src/llm/config.js';
import type { Simulator } from '../../src/sim/server.js';

export const PersonaReply = z.object({
  personas: z.array(z.object({ perspective: z.enum(['read', 'write', 'like', 'dislike']), persona: z.string().min(1) })).min(1),
});

export function clientFor(sim: Simulator, endpoint: Partial<NonNullable<LlmConfigInput>['endpoint']> = {}, rest: Omit<NonNullable<LlmConfigInput>, 'endpoint'> = {}): { client: OpenAiLlmClient; metrics: Metrics } {
  const metrics = createMetrics(new Registry());
  // Pinned to json_schema: these tests count requests and inject faults; negotiation (auto) has its own tests.
  const client = createLlmClient({ endpoint: { baseUrl: sim.url, backoffBaseMs: 5, backoffMaxMs: 100, ...endpoint }, structuredOutput: 'json_schema', ...rest }, { metrics });
  return { client, metrics };
}

export async function counterSum(c: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, match: Record<string, unknown> = {}): Promise<number> {
  const { values } = await c.get();
  return values.filter((v) => Object.entries(match).every(([k, want]) => v.labels[k] === want)).reduce((s, v) => s + v.value, 0);
}

export function doc(i: number): string {
  const topics = ['salmon river dams', 'bakery tax filings', 'orbital debris tracking', 'school chess clubs', 'urban beekeeping hives'];
  return `Source: https://example.org/${i}\n<<<DOCUMENT\nArticle ${i}: notes on ${topics[i % topics.length]} and item${i}.\nDOCUMENT>>>`;
}

/** Poll until `check` returns true or the deadline passes; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
