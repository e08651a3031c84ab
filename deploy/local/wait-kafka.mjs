// Bounded readiness probe used by stack.sh: succeeds once the broker answers metadata requests AND its group and
// transaction coordinators are loaded. Warming the coordinators here creates __consumer_offsets and
// __transaction_state once, so the first test that uses a consumer group or a transactional producer does not race
// their creation ("coordinator is loading" errors). Usage: node wait-kafka.mjs <host:port> <timeoutSeconds>.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { KafkaJS } = require('@confluentinc/kafka-javascript');
const [broker = '127.0.0.1:19092', timeoutArg = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;
const quiet = { info() {}, warn() {}, error() {}, debug() {}, namespace() { return quiet; }, setLogLevel() {} };
const base = { 'bootstrap.servers': broker, 'client.id': 'personahub-stack-probe', 'socket.connection.setup.timeout.ms': 2000 };

async function attempt() {
  const kafka = new KafkaJS.Kafka({});
  const admin = kafka.admin({ ...base, kafkaJS: { logger: quiet } });
  const producer = kafka.producer({ ...base, 'transaction.timeout.ms': 30000, kafkaJS: { transactionalId: 'personahub-stack-probe', idempotent: true, logger: quiet } });
  try {
    await admin.connect();
    await admin.listTopics({ timeout: 5000 });
    await admin.describeGroups(['personahub-stack-probe'], { timeout: 5000 }); // FindCoordinator(GROUP) -> __consumer_offsets
    await producer.connect(); // InitProducerId -> __transaction_state
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

let lastError = 'no attempt';
while (Date.now() < deadline) {
  try {
    await attempt();
    console.log('kafka ready: metadata answered, coordinators loaded');
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`kafka not ready at ${broker} after ${timeoutArg}s: ${lastError}`);
process.exit(1);
