import type { Logger } from '../logger.js';

/**
 * A stage process must end once its stages have stopped — never linger half-alive (health endpoint closed, native
 * client threads still running). After the CLI's own shutdown, anything that still holds the event loop open (a
 * client handle that did not close within its bounded disconnect) is cut off here: the process exits with its
 * exit code after `graceMs`. The timer is unref'd, so a process that ends by itself is not delayed.
 */
export function exitAfterStop(logger: Logger, graceMs = 10_000): void {
  setTimeout(() => {
    logger.warn({ graceMs, open: process.getActiveResourcesInfo() }, 'handles still open after the stages stopped; exiting');
    process.exit(process.exitCode ?? 1);
  }, graceMs).unref();
}
