import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load.js';
import { createLlmClient } from '../../llm/client.js';

/**
 * `personahub llm-check`: negotiate the structured-output mode (`llm.structuredOutput`, probed when auto), then one
 * structured call (and optionally one embedding) against the configured endpoint, to verify the URL, key, model and
 * structured output before a run. Prints what came back and exits
 * non-zero with the classified error (kind and code) when it fails.
 */
const CheckReply = z.object({
  persona: z.string().min(1).describe('One sentence describing a kind of person interested in the text'),
  topics: z.array(z.string()).min(1).describe('Two or three topics of the text'),
});

const SAMPLE = 'Volunteers and river ecologists restored the salmon run after two old dams were removed from the valley.';

export function register(program: Command): void {
  program
    .command('llm-check')
    .description('Make one structured call (and optionally one embedding) against the configured LLM endpoint')
    .option('--embeddings', 'also request one embedding')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ config?: string; embeddings?: boolean }>();
      const config = loadConfig(o.config);
      // A single attempt: this is a check, and a retry would hide what went wrong.
      const client = createLlmClient({ ...config.llm, endpoint: { ...config.llm.endpoint, maxAttempts: 1 } });
      const say = (line: string) => process.stdout.write(`${line}\n`);
      say(`endpoint ${config.llm.endpoint.baseUrl}, model ${config.llm.model}`);
      const neg = await client.structuredMode(config.llm.model);
      say(`structured output: ${neg.mode} (${neg.configured ? 'configured' : `negotiated: ${neg.steps.map((st) => `${st.mode} ${st.outcome}`).join(', ')}`})`);
      for (const st of neg.steps) if (st.outcome !== 'ok') say(`  ${st.mode}: ${st.outcome}: ${st.detail.replace(/\s+/g, ' ')}`);
      const t0 = performance.now();
      const r = await client.complete({
        stage: 'llm-check',
        messages: [
          { role: 'system', content: 'Describe a persona interested in the text in the user message, and list its topics.' },
          { role: 'user', content: SAMPLE },
        ],
        schema: CheckReply,
        schemaName: 'llm_check',
      });
      say(`structured output ok in ${Math.round(performance.now() - t0)} ms: model ${r.model}${r.simulated ? ' (SIMULATOR: output is simulated)' : ''}`);
      say(`  ${JSON.stringify(r.value)}`);
      say(`  usage: ${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens, estimated cost $${client.spentUsd.toFixed(6)}`);
      if (o.embeddings) {
        const e = await client.embed({ stage: 'llm-check', input: [SAMPLE] });
        say(`embeddings ok: model ${e.model}, ${e.vectors[0]!.length} dimensions`);
      }
      await client.close();
    });
}
