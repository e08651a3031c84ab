// Bounded readiness probe used by stack.sh: succeeds once the broker answers a metadata request (describeCluster)
// and lists topics. Usage: node wait-kafka.mjs <host:port> <timeoutSeconds>. Exit 0 = ready, 1 = timed out.
import { Kafka, logLevel } from 'kafkajs';

const [broker = '127.0.0.1:19092', timeoutArg = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;
const kafka = new Kafka({ clientId: 'personahub-stack-probe', brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 2000, retry: { retries: 0 } });

let lastError = 'no attempt';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    await admin.disconnect();
    console.log(`kafka ready: cluster ${cluster.clusterId}, controller ${cluster.controller}`);
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
    await admin.disconnect().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`kafka not ready at ${broker} after ${timeoutArg}s: ${lastError}`);
process.exit(1);
