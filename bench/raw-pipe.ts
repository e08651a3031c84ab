import type { Kafka } from '../test/runtime/helpers.js';
import { rdkafka } from '../src/kafka/client.js';

/**
 * The client's own ceiling: a consume → produce loop with nothing of personahub in between (no decode, no stage,
 * no transaction, no metrics). librdkafka's low-level consumer (batches of 1,000) and an idempotent producer;
 * resolves when `count` records were copied and acknowledged. The stage benchmark compares the runtime with it.
 */
export async function rawPipe(kafka: Kafka, input: string, output: string, count: number, group: string): Promise<void> {
  const consumer = new (rdkafka().KafkaConsumer)(
    kafka.properties({ 'group.id': group, 'enable.auto.commit': false, 'group.protocol': 'consumer' }) as never,
    // A topic property: given only in the global config, the (empty) topic config's default `latest` wins.
    { 'auto.offset.reset': 'earliest' },
  );
  const producer = new (rdkafka().Producer)(kafka.properties({ 'enable.idempotence': true, 'linger.ms': 5, dr_cb: true }) as never, {});
  await new Promise<void>((res, rej) => consumer.connect({ timeout: 30_000 }, (e) => (e ? rej(e) : res())));
  await new Promise<void>((res, rej) => producer.connect({ timeout: 30_000 }, (e) => (e ? rej(e) : res())));
  producer.setPollInterval(10);
  let delivered = 0;
  const done = new Promise<void>((res) => producer.on('delivery-report', () => ++delivered >= count && res()));
  consumer.subscribe([input]);
  consumer.setDefaultConsumeTimeout(100);
  let copied = 0;
  while (copied < count) {
    const batch = await new Promise<Array<{ value: Buffer | null; key?: unknown }>>((res, rej) => consumer.consume(1_000, (e, m) => (e ? rej(e) : res(m as never))));
    for (const m of batch) {
      for (;;) {
        try {
          producer.produce(output, null, m.value, (m.key as Buffer | null) ?? null);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 1)); // local queue full: let deliveries drain
        }
      }
      copied++;
    }
  }
  await done;
  await new Promise<void>((res) => producer.disconnect(() => res()));
  await new Promise<void>((res) => consumer.disconnect(() => res()));
}
