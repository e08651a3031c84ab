import { readFileSync } from 'node:fs';
import { Admin as ConfigAdmin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/services.js';
import { fatal } from '../errors.js';

/**
 * Topic configuration reads, incremental changes and partition raises (DescribeConfigs, IncrementalAlterConfigs,
 * CreatePartitions). The only Kafka calls not made through @confluentinc/kafka-javascript: its KafkaJS-shaped admin
 * (1.10.1) has none of them and its native admin (src/admin.cc) lacks the first two. @platformatic/kafka (pure JavaScript, pinned 1.35.0: 2.x needs Node >= 22.22) implements
 * both; this module is its only user. Incremental alteration SETs exactly the declared keys and leaves any other
 * dynamic config of the topic as it is (the old AlterConfigs call replaced the whole set).
 */
export interface TopicConfigs {
  describe(topics: readonly string[]): Promise<Map<string, Map<string, string>>>;
  set(changes: ReadonlyArray<{ topic: string; configs: Record<string, string> }>): Promise<void>;
  /** CreatePartitions (raise a topic's partition count); the KafkaJS-shaped admin lacks it too. */
  raisePartitions(changes: ReadonlyArray<{ topic: string; count: number }>): Promise<void>;
  close(): Promise<void>;
}

export function createTopicConfigs(config: KafkaConfig, env: NodeJS.ProcessEnv = process.env): TopicConfigs {
  const options: ConstructorParameters<typeof ConfigAdmin>[0] = {
    clientId: `${config.clientId}-topic-configs`,
    bootstrapBrokers: config.brokers,
    connectTimeout: config.connectionTimeoutMs,
  };
  if (config.ssl !== false) {
    const ssl = config.ssl;
    const read = (f: string | undefined) => (f === undefined ? undefined : readFileSync(f, 'utf8'));
    const tls: Record<string, unknown> = {};
    if (ssl !== true) {
      if (ssl.caFile) tls.ca = read(ssl.caFile);
      if (ssl.certFile) tls.cert = read(ssl.certFile);
      if (ssl.keyFile) tls.key = read(ssl.keyFile);
      tls.rejectUnauthorized = ssl.rejectUnauthorized;
    }
    options.tls = tls;
  }
  if (config.sasl) {
    const password = env[config.sasl.passwordEnv];
    if (!password) throw fatal('config_invalid', `kafka.sasl: environment variable ${config.sasl.passwordEnv} (the password) is not set`);
    const mechanism = config.sasl.mechanism === 'plain' ? 'PLAIN' : config.sasl.mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
    options.sasl = { mechanism, username: config.sasl.username, password } as never;
  }
  const admin = new ConfigAdmin(options);
  return {
    async describe(topics) {
      if (topics.length === 0) return new Map();
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })),
      });
      return new Map(described.map((r) => [r.resourceName, new Map(r.configs.map((c) => [c.name, c.value ?? '']))]));
    },
    async set(changes) {
      if (changes.length === 0) return;
      await admin.incrementalAlterConfigs({
        resources: changes.map(({ topic, configs }) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(configs).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
        })),
      });
    },
    async raisePartitions(changes) {
      if (changes.length === 0) return;
      await admin.createPartitions({ topics: changes.map((c) => ({ name: c.topic, count: c.count })) });
    },
    async close() {
      await admin.close();
    },
  };
}
