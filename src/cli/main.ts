import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isPersonahubError } from '../errors.js';
import { COMMANDS } from './commands/index.js';
import { packagePath } from '../util/package-root.js';

/**
 * `personahub` CLI. Each subcommand lives in src/cli/commands/<name>.ts and exports `register(program)`;
 * this file only wires them up and turns errors into a clear message and exit code.
 *
 * Conventions (README "CLI conventions"): exit 0 = done, 1 = runtime failure (a service, a record, a stage),
 * 2 = usage error (unknown command or option, bad option value: commander's errors and InvalidArgumentError);
 * results on stdout, progress and diagnostics on stderr; `--json` where a machine reads the result.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
// packagePath: the same file from the sources (tsx) and from the built dist/ of an installed package.
const VERSION = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
export async function main(argv: string[]): Promise<void> {
  const program = new Command('personahub')
    .description('Streaming Persona Hub: personas from web text, synthetic data from personas, on Kafka')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-c, --config <file>', 'YAML config file (see README: Configuration)', process.env.PERSONAHUB_CONFIG)
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; every other commander error is a usage error.
      if (e.exitCode !== 0 && e.code === 'commander.invalidArgument' && !e.message.startsWith('error:')) {
        process.stderr.write(`personahub: error: ${e.message}\n`); // thrown from an action: commander did not print it
      }
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (isPersonahubError(e)) {
      process.stderr.write(`personahub: ${e.code}: ${e.message}\n`);
      process.exitCode = EXIT.failure;
      return;
    }
    process.stderr.write(`personahub: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.failure;
  }
}
