import { defineConfig } from 'vitest/config';

// Three layers (see README "Tests"):
//  unit         pure logic, no services            test/**/*.test.ts
//  integration  real Kafka + registry (+ Prometheus) test/**/*.int.test.ts, test/e2e/**
//  chaos        SIGKILL / outage tests on real Kafka test/**/*.chaos.test.ts (the dataflow one on a private stack)
// Integration tests expect the local stack from `npm run stack:up` (see deploy/local/stack.sh).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Projects with different maxWorkers need distinct groups (vitest 4); groups run in this order.
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.chaos.test.ts', 'test/e2e/**', 'node_modules/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['test/**/*.chaos.test.ts', 'node_modules/**'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'chaos',
          sequence: { groupOrder: 2 },
          include: ['test/**/*.chaos.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 240_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
