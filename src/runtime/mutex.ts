/**
 * Runs async sections one at a time, in call order. The runner uses one for everything that touches the
 * transaction: commit rounds, the final commit of revoked partitions, and partition resets, so a revocation can
 * never interleave with a transaction that carries the revoked partitions' outputs.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
