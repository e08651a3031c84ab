import type { Command } from 'commander';
import { register as sim } from './sim.js';

/**
 * Every subcommand module, in help order. Each module exports `register(program: Command): void`.
 * Add a new command by adding its module here.
 */
export const COMMANDS: Array<(program: Command) => void> = [sim];
