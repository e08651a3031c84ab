import { z } from 'zod';

/**
 * Default local addresses: the ports `deploy/local/stack.sh` starts services on. Distinct from the usual ports
 * (9092, 8081, 9090) so a developer's own Kafka or Prometheus does not collide. All listen on 127.0.0.1 only.
 */
export const LOCAL_DEFAULTS = {
  kafkaPort: 19092,
  controllerPort: 19093,
  registryPort: 18081,
  prometheusPort: 19090,
  simulatorPort: 18000,
} as const;

export const KafkaConfig = z
  .object({
    brokers: z.array(z.string()).min(1).default([`127.0.0.1:${LOCAL_DEFAULTS.kafkaPort}`]).describe('Bootstrap brokers host:port'),
    clientId: z.string().default('personahub'),
    ssl: z
      .union([
        z.boolean(),
        z.object({
          caFile: z.string().optional().describe('PEM file of the CA that signed the brokers\' certificates'),
          certFile: z.string().optional(),
          keyFile: z.string().optional(),
          rejectUnauthorized: z.boolean().default(true),
        }),
      ])
      .default(false)
      .describe('TLS to the brokers: false, true (system CAs) or files'),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string(),
        passwordEnv: z.string().default('PERSONAHUB_KAFKA_PASSWORD').describe('Environment variable holding the password'),
      })
      .optional()
      .describe('SASL authentication (SCRAM recommended)'),
    connectionTimeoutMs: z.number().int().positive().default(10_000),
  })
  .default({ brokers: [`127.0.0.1:${LOCAL_DEFAULTS.kafkaPort}`], clientId: 'personahub', ssl: false, connectionTimeoutMs: 10_000 });
export type KafkaConfig = z.infer<typeof KafkaConfig>;

export const RegistryConfig = z
  .object({
    url: z.string().default(`http://127.0.0.1:${LOCAL_DEFAULTS.registryPort}/apis/ccompat/v7`).describe('Confluent-compatible schema registry base URL'),
    basicAuth: z
      .object({ username: z.string(), passwordEnv: z.string().default('PERSONAHUB_REGISTRY_PASSWORD') })
      .optional(),
  })
  .default({ url: `http://127.0.0.1:${LOCAL_DEFAULTS.registryPort}/apis/ccompat/v7` });
export type RegistryConfig = z.infer<typeof RegistryConfig>;

export const HttpConfig = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9464).describe('/metrics, /healthz, /readyz; 0 = any free port'),
  })
  .default({ host: '127.0.0.1', port: 9464 });
