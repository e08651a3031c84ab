// Bounded readiness probe used by stack.sh: succeeds once the broker answers metadata requests AND its group and
// transaction coordinators are loaded. Warming the coordinators here creates __consumer_offsets and
// __transaction_state once, so the first test that uses a consumer group or a transactional producer does not race
// their creation ("coordinator is loading" errors). Usage: node wait-kafka.mjs <host:port> <timeoutSeconds>.
// Pure JavaScript (@platformatic/kafka): a native client that is torn down while the broker is still starting can
// crash the probe (seen: a segfault at exit), and the probe must only ever answer yes or no.
import { Admin, Producer } from '@platformatic/kafka';

const [broker = '127.0.0.1:19092', timeoutArg = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;
const options = { clientId: 'personahub-stack-probe', bootstrapBrokers: [broker], connectTimeout: 2000, retries: 0 };

async function attempt() {
  const admin = new Admin(options);
  const producer = new Producer({ ...options, transactionalId: 'personahub-stack-probe', idempotent: true });
  try {
    await admin.listTopics();
    await admin.describeGroups({ groups: ['personahub-stack-probe'] }); // FindCoordinator(GROUP) -> __consumer_offsets
    await producer.initIdempotentProducer({}); // InitProducerId(transactional id) -> __transaction_state
  } finally {
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
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
