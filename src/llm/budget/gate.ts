/**
 * What the runtime asks a stage before handing it more records: while `closed()`, the runner pauses the stage's
 * partitions (records stay on the topic, consumer lag grows and is visible) instead of blocking inside `process`.
 * `subscribe` tells the runner to look again (a limit was raised, another instance's spend arrived).
 */
export interface PauseGate {
  closed(): boolean;
  /** Why it is closed (for logs), e.g. `budget scenario:math exhausted (requests 200/200)`. */
  reason(): string | undefined;
  subscribe(cb: () => void): () => void;
}
