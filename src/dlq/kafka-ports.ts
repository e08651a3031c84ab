import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { KafkaClient } from '../kafka/client.js';
import { readToEnd } from '../kafka/read-to-end.js';
import { RdKafkaProducerPort } from '../runtime/rdkafka-ports.js';
import type { ReplayPorts } from './ports.js';

export interface KafkaReplayPortsOptions {
  client: KafkaClient;
  logger: Logger;
  dlqTopic: string;
  /** The replay's consumer group; its transactional id is `<groupId>.tx`. */
  groupId: string;
  transactionTimeoutMs: number;
}

/**
 * ReplayPorts on the project's one read-to-end helper and the runtime's transactional producer port.
 *
 * Hazard: the group is never joined (manual assignment), so no group generation fences a second run of the same
 * replay id (what KIP-447 does for stages). The stable transactional id does it instead: the newer run's producer
 * fences the older one's, whose next transaction step fails as `fenced` and stops it.
 */
export function kafkaReplayPorts(o: KafkaReplayPortsOptions): ReplayPorts {
  let consumer: KafkaConsumer | undefined;
  return {
    read: (r) =>
      readToEnd({
        client: o.client,
        topic: o.dlqTopic,
        groupId: o.groupId,
        from: 'committed',
        ...(r.ends ? { ends: r.ends } : {}),
        ...(r.onRange ? { onRange: r.onRange } : {}),
        onConsumer: (c) => (consumer = c),
        onRecord: r.onRecord,
        ...(r.onEnd ? { onEnd: r.onEnd } : {}),
      }).then(() => undefined),
    newProducer: async () => {
      const producer = new RdKafkaProducerPort({
        client: o.client,
        logger: o.logger,
        transactionalId: `${o.groupId}.tx`,
        transactionTimeoutMs: o.transactionTimeoutMs,
        consumer: () => {
          if (!consumer) throw new Error('dlq replay: offsets sent before the dead-letter topic was read');
          return consumer;
        },
        inputTopic: o.dlqTopic,
        clientId: 'personahub-dlq-replay',
      });
      await producer.connect();
      return producer;
    },
  };
}
