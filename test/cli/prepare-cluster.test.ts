import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { usesLocalStack } from '../../src/cli/prepare-cluster.js';

describe('usesLocalStack (may `up` start deploy/local/stack.sh?)', () => {
  const cfg = (brokers: string) => loadConfig(undefined, { PERSONAHUB_KAFKA_BROKERS: brokers });
  it.each([
    ['default address, default port', '127.0.0.1:19092', {}, true],
    ['localhost is the same machine', 'localhost:19092', {}, true],
    ['the port stack.sh was told to use', '127.0.0.1:29092', { PERSONAHUB_KAFKA_PORT: '29092' }, true],
    ['another port than stack.sh uses', '127.0.0.1:29092', {}, false],
    ['a remote cluster', 'kafka-1.internal:9092', {}, false],
    ['several brokers: a real cluster', '127.0.0.1:19092,127.0.0.1:19093', {}, false],
  ] as const)('%s', (_name, brokers, env, expected) => {
    expect(usesLocalStack(cfg(brokers), env)).toBe(expected);
  });
});
