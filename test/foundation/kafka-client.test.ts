import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaConfig } from '../../src/config/services.js';
import { isPersonahubError } from '../../src/errors.js';
import { createKafka, kafkaJsLogger } from '../../src/kafka/client.js';
import { createLogger } from '../../src/logger.js';
import { tempDir } from '../support/temp-dir.js';

const fatalCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isPersonahubError(e) ? `${e.kind}:${e.code}` : `foreign:${String(e)}`;
  }
  return 'no error';
};

describe('createKafka (no broker needed: clients connect lazily)', () => {
  // The unit project must not load the native add-on (it also runs on other Node majors: scripts/ci/node-matrix.sh),
  // so this asserts the librdkafka properties every client is built from, not a client object.
  it('builds a client from the defaults', () => {
    const config = KafkaConfig.parse(undefined);
    const props = createKafka(config, { clientId: 'ph-test' }).properties({ 'linger.ms': 5 });
    expect(props).toMatchObject({ 'bootstrap.servers': config.brokers.join(','), 'client.id': 'ph-test', 'linger.ms': 5 });
    expect(config.brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(props).not.toHaveProperty('security.protocol', 'ssl');
  });

  it('reads the SASL password from the named env variable, and refuses to start without it', () => {
    const config = KafkaConfig.parse({ brokers: ['b:9093'], sasl: { mechanism: 'scram-sha-512', username: 'u', passwordEnv: 'X_PW' } });
    expect(fatalCode(() => createKafka(config, { env: {} }))).toBe('fatal:config_invalid');
    expect(fatalCode(() => createKafka(config, { env: { X_PW: 'secret' } }))).toBe('no error');
  });

  it('loads TLS files, and a missing file is a fatal config error', () => {
    const dir = tempDir('ph-tls-');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    const ok = KafkaConfig.parse({ ssl: { caFile: join(dir, 'ca.pem') } });
    expect(fatalCode(() => createKafka(ok))).toBe('no error');
    const missing = KafkaConfig.parse({ ssl: { caFile: join(dir, 'nope.pem') } });
    expect(fatalCode(() => createKafka(missing))).toBe('fatal:config_invalid');
  });

  it('routes the client log to pino with its structured fields; errors and info are not logged at error level', () => {
    const lines: string[] = [];
    const logger = createLogger('t', 'debug');
    const capture = {
      ...logger,
      warn: (obj: object, msg: string) => lines.push(JSON.stringify({ level: 'warn', ...obj, msg })),
      debug: (obj: object, msg: string) => lines.push(JSON.stringify({ level: 'debug', ...obj, msg })),
      error: () => lines.push('error-level line') } as unknown as typeof logger;
    const log = kafkaJsLogger(capture);
    log.error('group coordinator is not available', { broker: 'b:1' });
    log.info('connected', {});
    expect(lines.map((l) => (l.startsWith('{') ? JSON.parse(l) : l))).toEqual([
      { level: 'warn', broker: 'b:1', msg: 'group coordinator is not available' },
      { level: 'debug', msg: 'connected' },
    ]);
  });
});
