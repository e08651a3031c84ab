import type { Kafka } from 'kafkajs';
import { createProducer } from '../src/kafka/client.js';

/** kafkajs raw consume → produce pipe (the "before" baseline): eachBatch, idempotent producer, no transaction. */
export async function rawPipe(kafka: Kafka, input: string, output: string, count: number, group: string): Promise<void> {
  const consumer = kafka.consumer({ groupId: group });
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await consumer.connect();
  await producer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let copied = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      await producer.send({ topic: output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
      copied += batch.messages.length;
      if (copied >= count) finish();
    },
  });
  await done;
  await producer.disconnect();
  await consumer.disconnect();
}
