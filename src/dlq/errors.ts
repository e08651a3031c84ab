/**
 * A `dlq` command was given something it cannot work with (an unknown code, a time without a zone, a topic that is
 * no dead-letter topic of the dataflow). The CLI reports it as a usage error (exit 2); nothing has been read or
 * written when it is thrown.
 */
export class DlqUsageError extends Error {
  override readonly name = 'DlqUsageError';
}
