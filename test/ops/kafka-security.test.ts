import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { baseProperties } from '../../src/kafka/client.js';
import { isPersonahubError } from '../../src/errors.js';

/**
 * The deployment examples (deploy/compose.yaml, deploy/k8s) turn on SASL/SCRAM + TLS for Kafka and basic auth
 * for the registry through the YAML config. These tests load such a YAML through the real config loader and
 * check that the librdkafka properties built from it carry it.
 */
function withConfigFile<T>(doc: unknown, fn: (file: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'personahub-sec-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(doc));
    return fn(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('Kafka SASL/SCRAM + TLS from config', () => {
  it('carries SCRAM credentials (password from the named env var) and the CA file into the kafkajs options', () => {
    withConfigFile({}, (_f, dir) => {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, PEM);
      const doc = {
        kafka: {
          brokers: ['kafka-0.kafka:9093'],
          ssl: { caFile: ca, rejectUnauthorized: true },
          sasl: { mechanism: 'scram-sha-512', username: 'personahub', passwordEnv: 'KAFKA_PW' },
        },
      };
      withConfigFile(doc, (file) => {
        const config = loadConfig(file, { KAFKA_PW: 's3cret' });
        const opts = baseProperties(config.kafka, { env: { KAFKA_PW: 's3cret' } });
        expect(opts['bootstrap.servers']).toBe('kafka-0.kafka:9093');
        expect(opts).toMatchObject({ 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'personahub', 'sasl.password': 's3cret' });
        expect(opts).toMatchObject({ 'enable.ssl.certificate.verification': true, 'ssl.ca.pem': PEM });
      });
    });
  });

  it('ssl: true uses the system CAs; no sasl and ssl false means a plaintext client', () => {
    const plain = baseProperties(loadConfig(undefined, {}).kafka);
    expect(plain['security.protocol']).toBe('plaintext');
    expect(plain['sasl.username']).toBeUndefined();
    withConfigFile({ kafka: { ssl: true } }, (file) => {
      expect(baseProperties(loadConfig(file, {}).kafka)['security.protocol']).toBe('ssl');
    });
  });

  it('a missing SASL password is a fatal config error, not a connection attempt without credentials', () => {
    withConfigFile({ kafka: { sasl: { mechanism: 'scram-sha-256', username: 'u' } } }, (file) => {
      const config = loadConfig(file, {});
      let err: unknown;
      try {
        baseProperties(config.kafka, { env: {} });
      } catch (e) {
        err = e;
      }
      expect(isPersonahubError(err) && err.kind === 'fatal' && err.code === 'config_invalid').toBe(true);
    });
  });

  it('rejects an unknown SASL mechanism at config load', () => {
    withConfigFile({ kafka: { sasl: { mechanism: 'gssapi', username: 'u' } } }, (file) => {
      expect(() => loadConfig(file, {})).toThrow(/kafka\.sasl\.mechanism/);
    });
  });
});

describe('registry basic auth from config', () => {
  it('keeps the username and the name of the password variable (never the password itself)', () => {
    withConfigFile({ registry: { url: 'https://registry:8443/apis/ccompat/v7', basicAuth: { username: 'ph' } } }, (file) => {
      const config = loadConfig(file, {});
      expect(config.registry.basicAuth).toEqual({ username: 'ph', passwordEnv: 'PERSONAHUB_REGISTRY_PASSWORD' });
    });
  });
});
