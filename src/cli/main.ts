import { Command, CommanderError } from 'commander';
import { isPersonahubError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

/**
 * `personahub` CLI. Each subcommand lives in src/cli/commands/<name>.ts and exports `register(program)`;
 * this file only wires them up and turns errors into a clear message and exit code.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('personahub')
    .description('Streaming Persona Hub: personas from web text, synthetic data from personas, on Kafka')
    .option('-c, --config <file>', 'YAML config file (see README: Configuration)', process.env.PERSONAHUB_CONFIG)
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isPersonahubError(e)) {
      process.stderr.write(`personahub: ${e.code}: ${e.message}\n`);
      process.exitCode = e.kind === 'fatal' ? 2 : 1;
      return;
    }
    process.stderr.write(`personahub: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
}
