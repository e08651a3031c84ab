import { z } from 'zod';

/** Runtime settings shared by every stage of a process (one `runtime` section; there are no per-stage overrides). */
export const RuntimeConfig = z
  .object({
    delivery: z.enum(['exactly-once', 'at-least-once']).default('exactly-once')
      .describe('exactly-once: outputs and offsets in one Kafka transaction; at-least-once: produce, then commit'),
    maxInFlight: z.number().int().positive().default(64).describe('Records handed to a stage and not yet completed, per stage instance (the input pauses at this bound)'),
    maxBufferedOutputs: z.number().int().positive().default(1000)
      .describe('Completed outputs waiting for the contiguous watermark; partitions pause at this bound'),
    commitIntervalMs: z.number().int().positive().default(100)
      .describe('How often completed work is committed (one transaction per partition with new work). Every dataflow hop waits for a commit: 100 ms drains the sample 3x faster than 500 ms (README benchmarks); raise it to trade latency for fewer transactions'),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).default(5),
        initialDelayMs: z.number().int().nonnegative().default(200),
        maxDelayMs: z.number().int().positive().default(30_000),
      })
      .default({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000 }),
    shutdownTimeoutMs: z.number().int().positive().default(30_000).describe('SIGTERM: how long to drain in-flight work'),
    groupProtocol: z.enum(['consumer', 'classic']).default('consumer')
      .describe('consumer: KIP-848 group protocol (broker-side incremental assignment; Kafka 4.x); classic: cooperative-sticky rebalancing for older brokers'),
    transactionTimeoutMs: z.number().int().min(1_000).default(15_000)
      .describe('Exactly-once: how long the coordinator keeps a transaction of a crashed instance open before aborting it; a new owner of its partitions waits this long at most'),
    sessionTimeoutMs: z.number().int().min(6_000).default(30_000)
      .describe('Classic protocol only: how long a crashed instance keeps its partitions (KIP-848: the broker\'s group.consumer.session.timeout.ms)'),
    heartbeatIntervalMs: z.number().int().positive().default(3_000).describe('Classic protocol only: consumer group heartbeat interval'),
    fetchMaxWaitMs: z.number().int().positive().default(100)
      .describe('Longest a fetch waits for data; also how soon fetching restarts after backpressure resumes'),
  })
  .default({
    delivery: 'exactly-once',
    maxInFlight: 64,
    maxBufferedOutputs: 1000,
    commitIntervalMs: 100,
    retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000 },
    shutdownTimeoutMs: 30_000,
    groupProtocol: 'consumer',
    transactionTimeoutMs: 15_000,
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    fetchMaxWaitMs: 100,
  });
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;
