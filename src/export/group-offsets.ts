import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { rdkafka, type KafkaClient, type RdConsumer } from '../kafka/client.js';
import { classifyKafkaError } from '../kafka/errors.js';

/**
 * Commits a follower's progress to a consumer group without joining it (librdkafka commits explicit offsets for a
 * consumer that assigns rather than subscribes), so `kafka-consumer-groups --describe` and lag-based autoscalers
 * see how far a continuous export is. The export's own state file, not these offsets, decides what is read.
 */
export class GroupOffsets {
  private consumer: RdConsumer | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async commit(next: Readonly<Record<string, number>>): Promise<void> {
    const offsets = Object.entries(next).map(([p, offset]) => ({ topic: this.topic, partition: Number(p), offset }));
    if (offsets.length === 0) return;
    const c = await this.connected();
    await new Promise<void>((resolve, reject) => {
      try {
        c.commitSync(offsets);
        resolve();
      } catch (e) {
        reject(classifyKafkaError(e as LibrdKafkaError, `commit ${this.groupId}`));
      }
    });
  }

  private async connected(): Promise<RdConsumer> {
    if (this.consumer) return this.consumer;
    const c = new (rdkafka().KafkaConsumer)(this.client.properties({ 'group.id': this.groupId, 'enable.auto.commit': false }) as never, {}) as RdConsumer;
    await new Promise<void>((resolve, reject) => c.connect({ timeout: 30_000 }, (err) => (err ? reject(classifyKafkaError(err, 'connect')) : resolve())));
    this.consumer = c;
    return c;
  }

  async close(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}
