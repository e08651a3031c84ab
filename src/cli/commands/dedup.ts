import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { dedupJsonl, type Embed, type OfflineMethod } from '../../dedup/offline.js';
import { createLlmClient } from '../../llm/index.js';

/**
 * `personahub dedup --in items.jsonl --out unique.jsonl [--method minhash|simhash|exact|semantic]`
 * Offline near-duplicate filter over JSONL (`persona` or `text` field); kept lines are written unchanged.
 */
export function register(program: Command): void {
  program
    .command('dedup')
    .description('Drop near-duplicate lines from a JSONL file (field "persona" or "text"); kept lines are written unchanged')
    .requiredOption('--in <file>', 'input JSONL')
    .requiredOption('--out <file>', 'output JSONL (kept lines)')
    .option('--method <method>', 'minhash | simhash | exact | semantic (semantic = minhash, then embedding cosine)', 'minhash')
    .option('--threshold <t>', 'word-Jaccard threshold (minhash) or cosine threshold (semantic)', '0.9')
    .option('--k <k>', 'SimHash: max Hamming distance', '3')
    .option('--shingle <w>', 'SimHash: words per shingle', '2')
    .option('--verify <mode>', 'MinHash candidate verification: exact | signature', 'exact')
    .action(async (o: { in: string; out: string; method: string; threshold: string; k: string; shingle: string; verify: string }) => {
      const methods = ['minhash', 'simhash', 'exact', 'semantic'];
      if (!methods.includes(o.method)) throw new Error(`--method must be one of ${methods.join(', ')}`);
      if (o.verify !== 'exact' && o.verify !== 'signature') throw new Error('--verify must be exact or signature');
      const threshold = Number(o.threshold);
      if (!(threshold > 0 && threshold <= 1)) throw new Error('--threshold must be in (0, 1]');
      const method = o.method as OfflineMethod;
      let embed: Embed | undefined;
      if (method === 'semantic') {
        // the project's LLM client: endpoint limits, retries with backoff, circuit breaker, usage accounting
        const client = createLlmClient(loadConfig(program.opts<{ config?: string }>().config).llm);
        embed = async (input) => (await client.embed({ stage: 'dedup', input })).vectors;
      }
      const started = Date.now();
      const r = await dedupJsonl(o.in, o.out, {
        method,
        threshold: method === 'semantic' ? 0.9 : threshold,
        semanticThreshold: threshold,
        k: Number(o.k),
        shingleWords: Number(o.shingle),
        verify: o.verify,
        ...(embed ? { embed } : {}),
        onBadLine: (line, reason) => process.stderr.write(`${o.in}:${line}: skipped: ${reason}\n`),
      });
      const kinds = Object.entries(r.droppedByKind).map(([k, v]) => `${k}=${v}`).join(' ');
      process.stdout.write(
        `read=${r.read} kept=${r.kept} dropped=${r.dropped}${kinds ? ` (${kinds})` : ''} bad=${r.bad} in ${((Date.now() - started) / 1000).toFixed(2)}s\n`,
      );
    });
}
