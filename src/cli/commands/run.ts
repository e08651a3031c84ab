import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { applySimulatorRates } from '../../llm/config.js';
import { createLogger } from '../../logger.js';
import { stageFactoryNames } from '../../runtime/index.js';
import { startStages } from '../start-stages.js';
import { exitAfterStop } from '../exit-watchdog.js';

/**
 * `personahub run <stage...|all|synthesize>`: run stages in this process until SIGTERM/SIGINT (which drains
 * in-flight work and commits). `all` runs every registered stage; `synthesize` every enabled scenario. The LLM
 * endpoint is `llm.endpoint.baseUrl` (start `personahub sim` for the local simulator).
 */
export function register(program: Command): void {
  program
    .command('run')
    .description('Run stages (extract, expand, synthesize-<scenario>, dedup filters; or all / synthesize) until stopped')
    .argument('<stages...>', 'stage names, `all`, or `synthesize`')
    .option('--prefix <prefix>', 'topic prefix (as given to topics apply)', '')
    .action(async (names: string[], _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ prefix: string; config?: string }>();
      const config = loadConfig(o.config);
      // The same LLM rates as `up`: lifted against the simulator's default URL, as configured otherwise.
      applySimulatorRates(config.llm.endpoint);
      const logger = createLogger('personahub');
      // Armed on every way out, a start that failed (or was stopped by a signal) included: a native client handle
      // left open must not keep the process alive.
      try {
        const { proc, names: started } = await startStages(names, config, logger, { topicPrefix: o.prefix });
        logger.info({ stages: started, http: proc.http, llm: config.llm.endpoint.baseUrl }, 'stages running');
        process.stderr.write(`running: ${started.join(', ')} (known: ${stageFactoryNames().join(', ')})\n`);
        await proc.done;
      } finally {
        exitAfterStop(logger);
      }
    });
}
