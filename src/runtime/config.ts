import { z } from 'zod';

/** Runtime settings shared by every stage; a stage section may override any of them (see StagesConfig). */
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
    sessionTimeoutMs: z.number().int().min(6_000).default(30_000)
      .describe('Consumer group session timeout: how long a crashed instance keeps its partitions before they move'),
    heartbeatIntervalMs: z.number().int().positive().default(3_000).describe('Consumer group heartbeat interval'),
    fetchMaxWaitMs: z.number().int().positive().default(500)
      .describe('Longest a fetch waits for data; also how soon fetching restarts after backpressure resumes'),
  })
  .default({
    delivery: 'exactly-once',
    maxInFlight: 64,
    maxBufferedOutputs: 1000,
    commitIntervalMs: 100,
    retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000 },
    shutdownTimeoutMs: 30_000,
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    fetchMaxWaitMs: 500,
  });
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;
