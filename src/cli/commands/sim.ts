import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { fatal } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { COMPAT_PRESETS, SimOptions } from '../../sim/options.js';
import { startSimulator } from '../../sim/server.js';

/**
 * `personahub sim`: run the OpenAI-compatible simulator until SIGINT/SIGTERM. Everything it returns is labelled
 * as simulated (header, model name, system_fingerprint). See docs/llm.md.
 */
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
};

/** `2,5` → [2, 5] (batch ordinals). */
const ordinals = (v: string) => v.split(',').filter((x) => x.trim() !== '').map((x) => Number(x.trim()));

export function register(program: Command): void {
  program
    .command('sim')
    .description('Run the OpenAI-compatible LLM simulator (deterministic replies, latency, injected faults)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', num, 18000)
    .option('--seed <n>', 'seed for content, latency and fault draws', num, 1)
    .option('--latency <dist>', 'latency distribution: fixed | uniform | lognormal', 'fixed')
    .option('--latency-ms <n>', 'fixed latency, or lognormal median', num, 0)
    .option('--latency-min-ms <n>', 'uniform lower bound', num, 0)
    .option('--latency-max-ms <n>', 'uniform upper bound', num, 0)
    .option('--latency-sigma <n>', 'lognormal sigma of ln(latency)', num, 0.5)
    .option('--tokens-per-sec <n>', 'output token rate added to latency (0 = instant)', num, 0)
    .option('--slots <n>', 'requests served at once, the rest queue (1 = a one-slot CPU server; 0 = unlimited)', num, 0)
    .option('--fault-429 <rate>', 'share of requests answered 429 + Retry-After', num, 0)
    .option('--fault-5xx <rate>', 'share answered 500/502/503', num, 0)
    .option('--fault-timeout <rate>', 'share held without an answer', num, 0)
    .option('--fault-malformed <rate>', 'share answered with broken or schema-invalid JSON', num, 0)
    .option('--retry-after-ms <n>', 'Retry-After of a 429, in ms', num, 1000)
    .option('--retry-after-format <f>', 'ms | seconds | date | both', 'both')
    .option('--embedding-dims <n>', 'embedding vector size', num, 256)
    .option('--batch-complete-ms <n>', 'Batch API: time from creation until a batch is finished', num, 500)
    .option('--batch-fail <ordinals>', 'Batch API: comma-separated ordinals of batches that end failed (1 = the first)', ordinals, [])
    .option('--batch-expire <ordinals>', 'Batch API: ordinals of batches that expire half done', ordinals, [])
    .option('--batch-partial <ordinals>', 'Batch API: ordinals of batches where some lines fail', ordinals, [])
    .option('--batch-line-error-rate <rate>', 'Batch API: share of failing lines in a partial batch', num, 0.2)
    .option('--math-disagree <share>', 'verify-math: share of problems whose solving attempts all disagree', num, 0)
    .option('--math-split <share>', 'verify-math: share whose first attempt differs (2 of 3 agree)', num, 0)
    .option('--math-wrong <share>', 'verify-math: share whose attempts agree on an answer other than the stated one', num, 0)
    .option('--compat <preset>', `structured-output behaviour to emulate: ${Object.keys(COMPAT_PRESETS).join(' | ')}`, 'openai')
    .action(async (o: Record<string, unknown>) => {
      const parsed = SimOptions.safeParse({
        host: o.host,
        port: o.port,
        seed: o.seed,
        latency: { dist: o.latency, ms: o.latencyMs, minMs: o.latencyMinMs, maxMs: o.latencyMaxMs, sigma: o.latencySigma },
        tokensPerSecond: o.tokensPerSec,
        slots: o.slots,
        faults: {
          rateLimited: o.fault429,
          serverError: o.fault5xx,
          timeout: o.faultTimeout,
          malformed: o.faultMalformed,
          retryAfterMs: o.retryAfterMs,
          retryAfterFormat: o.retryAfterFormat,
        },
        embeddingDims: o.embeddingDims,
        batch: { completeAfterMs: o.batchCompleteMs, fail: o.batchFail, expire: o.batchExpire, partial: o.batchPartial, lineErrorRate: o.batchLineErrorRate },
        compat: COMPAT_PRESETS[String(o.compat)] ?? { jsonSchema: String(o.compat) },
        math: { disagreeShare: o.mathDisagree, splitShare: o.mathSplit, wrongShare: o.mathWrong },
      });
      if (!parsed.success) {
        const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(options)'}: ${i.message}`);
        throw fatal('config_invalid', `invalid simulator options:\n${lines.join('\n')}`);
      }
      const opts = parsed.data;
      const log = createLogger('sim');
      const sim = await startSimulator(opts);
      log.info({ url: sim.url, latency: opts.latency, faults: opts.faults, seed: opts.seed }, 'personahub simulator listening (all replies are simulated)');
      process.stdout.write(`${sim.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info({ stats: { ...sim.stats(), retryGaps: undefined } }, 'simulator stopping');
      await sim.close();
    });
}
