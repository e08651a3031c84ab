import { defineConfig } from 'vitest/config';

// Three layers (see README "Tests"):
//  unit         pure logic, no services            test/**/*.test.ts
//  integration  real Kafka + registry (+ Prometheus) test/**/*.int.test.ts, test/e2e/**
//  chaos        SIGKILL / outage tests on real Kafka test/**/*.chaos.test.ts (the dataflow one on a private stack)
//  real-llm     a real server + model (npm run test:real-llm only) test/real-llm/**
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
          exclude: ['test/**/*.int.test.ts', 'test/**/*.chaos.test.ts', 'test/e2e/**', 'test/real-llm/**', 'node_modules/**'],
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
      // Not in `npm test` (selected only by `npm run test:real-llm`): a real server and model on CPU, minutes.
      ...(process.env.PERSONAHUB_REAL_LLM_TESTS === '1'
        ? [
            {
              test: {
                name: 'real-llm',
                sequence: { groupOrder: 3 },
                include: ['test/real-llm/**/*.test.ts'],
                // The first run installs the server (a ~20 min source build) before the first test.
                testTimeout: 40 * 60_000,
                hookTimeout: 60 * 60_000,
                maxWorkers: 1,
              },
            },
          ]
        : []),
    ],
  },
});
