// Bounded readiness probe used by stack.sh: succeeds once the broker answers metadata requests AND its group and
// transaction coordinators are loaded. Warming the coordinators here creates __consumer_offsets and
// __transaction_state once, so the first test that uses a consumer group or a transactional producer does not race
// their creation ("coordinator is loading" errors). Usage: node wait-kafka.mjs <host:port> <timeoutSeconds>.
import { Kafka, logLevel } from 'kafkajs';

const [broker = '127.0.0.1:19092', timeoutArg = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;
const kafka = new Kafka({ clientId: 'personahub-stack-probe', brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 2000, retry: { retries: 0 } });

async function attempt() {
  const admin = kafka.admin();
  const producer = kafka.producer({ transactionalId: 'personahub-stack-probe', idempotent: true, maxInFlightRequests: 1,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    await admin.describeGroups(['personahub-stack-probe']); // FindCoordinator(GROUP) -> __consumer_offsets
    await producer.connect(); // InitProducerId -> __transaction_state
    return cluster;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

let lastError = 'no attempt';
while (Date.now() < deadline) {
  try {
    const cluster = await attempt();
    console.log(`kafka ready: cluster ${cluster.clusterId}, controller ${cluster.controller}, coordinators loaded`);
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`kafka not ready at ${broker} after ${timeoutArg}s: ${lastError}`);
process.exit(1);
