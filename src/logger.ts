import { pino, destination, type Logger } from 'pino';

/** Structured JSON logs to stderr (stdout stays free for command output). Level from PERSONAHUB_LOG_LEVEL. */
export function createLogger(name: string, level = process.env.PERSONAHUB_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, destination(2));
}
export type { Logger };
