/**
 * deploy/k8s, built as data (test/ops/manifests.test.ts validates the written YAML against the Kubernetes, KEDA,
 * Prometheus-operator and Strimzi schemas with unknown fields rejected). base/: one Deployment, one KEDA
 * ScaledObject and one PodDisruptionBudget per stage, scaled on its consumer group's lag with replicas capped at
 * the input's partitions; components/prometheus-operator: PodMonitor + PrometheusRule; strimzi-topics/: KafkaTopics;
 * overlays/example: base + the component, image by digest.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IContainer, IEnvVar } from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { topicsFor } from '../../topics/index.js';
import { HTTP_PORT, IMAGE, deployStages, type DeployStage } from './stages.js';

export const NAMESPACE = 'personahub';
export const SECRET = 'personahub-secrets';
export const TLS_SECRET = 'personahub-kafka-tls';
const CONFIG_FILE = fileURLToPath(new URL('../config/personahub.k8s.yaml', import.meta.url));
const CONFIG_YAML = () => readFileSync(CONFIG_FILE, 'utf8');
const RULES_FILE = fileURLToPath(new URL('../prometheus/rules/personahub.rules.yml', import.meta.url));
/** Bootstrap servers for KEDA's lag queries: the same brokers the config names. */
const BOOTSTRAP = 'kafka-bootstrap.kafka.svc:9093';
/** Replication factor of every topic on a production cluster (`topics apply` in the Job and the Strimzi KafkaTopics). */
export const REPLICATION_FACTOR = 3;

const partOf = { 'app.kubernetes.io/part-of': 'personahub' };
const labels = (component: string) => ({ 'app.kubernetes.io/name': 'personahub', 'app.kubernetes.io/component': component, ...partOf });

const secretEnv = (name: string, key: string, optional = false): IEnvVar => ({
  name, valueFrom: { secretKeyRef: { name: SECRET, key, optional } },
});

function podEnv(usesLlm: boolean): IEnvVar[] {
  return [
    { name: 'PERSONAHUB_CONFIG', value: '/etc/personahub/config.yaml' },
    // young generation as in the image (README "Stage throughput": pass-through CPU per record 0.027-0.030 -> 0.022 ms)
    { name: 'NODE_OPTIONS', value: '--max-old-space-size=768 --max-semi-space-size=32' },
    secretEnv('PERSONAHUB_KAFKA_PASSWORD', 'kafka-password'),
    secretEnv('PERSONAHUB_REGISTRY_PASSWORD', 'registry-password'),
    ...(usesLlm ? [secretEnv('OPENAI_API_KEY', 'llm-api-key')] : []),
  ];
}

function container(name: string, args: string[], usesLlm: boolean, probes: boolean): IContainer {
  return {
    name,
    image: IMAGE,
    args,
    env: podEnv(usesLlm),
    ...(probes
      ? {
          ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
          startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
          // Ready = connected to Kafka and holding an assignment (src/http/server.ts).
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
        }
      : {}),
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/personahub/config.yaml', subPath: 'config.yaml', readOnly: true },
      { name: 'kafka-tls', mountPath: '/etc/personahub/tls', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

const volumes = [
  { name: 'config', configMap: { name: 'personahub-config' } },
  { name: 'kafka-tls', secret: { secretName: TLS_SECRET } },
  { name: 'tmp', emptyDir: {} },
];

function deployment(s: DeployStage) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `personahub-${s.name}`, labels: labels(s.name) },
    spec: {
      // No `replicas`: KEDA's ScaledObject owns the count (min 1). A value here would be reset by every
      // `kubectl apply`, scaling a busy stage back to 1 until KEDA's next poll.
      selector: { matchLabels: stageSelector(s) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labels(s.name),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(HTTP_PORT), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          // SIGTERM drains in-flight work and commits within runtime.shutdownTimeoutMs (30 s); leave headroom.
          terminationGracePeriodSeconds: 45,
          containers: [container('personahub', ['run', s.name], s.usesLlm, true)],
          volumes,
        },
      },
    },
  };
}

/** Pod labels that select one stage's pods (the Deployment's selector). */
const stageSelector = (s: DeployStage) => ({ 'app.kubernetes.io/name': 'personahub', 'app.kubernetes.io/component': s.name });

/**
 * One per stage: a voluntary disruption (node drain, cluster upgrade) evicts at most one pod of a stage at a time.
 * maxUnavailable rather than minAvailable, so a stage KEDA holds at one replica can still be drained: its records
 * stay in Kafka and the group's next member picks them up.
 */
function podDisruptionBudget(s: DeployStage) {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: `personahub-${s.name}`, labels: labels(s.name) },
    spec: { maxUnavailable: 1, selector: { matchLabels: stageSelector(s) } },
  };
}

function scaledObject(s: DeployStage) {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: `personahub-${s.name}`, labels: labels(s.name) },
    spec: {
      scaleTargetRef: { name: `personahub-${s.name}` },
      minReplicaCount: 1,
      // More consumers than partitions would sit idle: a group gives each partition to one member.
      maxReplicaCount: s.maxReplicas,
      pollingInterval: 15,
      cooldownPeriod: 300,
      // One trigger per consumer group of the unit; KEDA scales to the largest replica count any of them asks for.
      triggers: s.consumers.map((c) => ({
        type: 'kafka',
        metadata: {
          bootstrapServers: BOOTSTRAP,
          consumerGroup: c.groupId,
          topic: c.topic,
          // Per-replica lag target: LLM stages take seconds per record, the others microseconds.
          lagThreshold: s.usesLlm ? '50' : '1000',
          activationLagThreshold: '1',
          offsetResetPolicy: 'earliest',
          allowIdleConsumers: 'false',
        },
        authenticationRef: { name: 'personahub-kafka' },
      })),
    },
  };
}

export function k8sResources(): Record<string, unknown[]> {
  const stages = deployStages();
  return {
    'namespace.yaml': [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: partOf } }],
    'configmap.yaml': [{
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'personahub-config', labels: partOf },
      data: { 'config.yaml': CONFIG_YAML() },
    }],
    'service-metrics.yaml': [{
      apiVersion: 'v1', kind: 'Service',
      // Headless: its DNS name lists every personahub pod (deploy/prometheus/prometheus.k8s.yml scrapes them).
      metadata: { name: 'personahub-metrics', labels: partOf },
      spec: { clusterIP: 'None', selector: partOf, ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http' }] },
    }],
    'job-init.yaml': [{
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'personahub-init', labels: labels('init') },
      spec: {
        backoffLimit: 6,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: labels('init') },
          spec: {
            restartPolicy: 'OnFailure',
            // Idempotent: creates missing topics, raises partitions, registers schemas; safe to re-run on upgrade.
            initContainers: [container('topics', ['topics', 'apply', '--replication-factor', String(REPLICATION_FACTOR)], false, false)],
            containers: [container('schemas', ['schemas', 'register'], false, false)],
            volumes,
          },
        },
      },
    }],
    'deployments.yaml': stages.map(deployment),
    'keda-auth.yaml': [{
      apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication',
      metadata: { name: 'personahub-kafka', labels: partOf },
      spec: {
        // KEDA's kafka scaler reads SASL/TLS settings from these Secret keys (sasl: scram_sha512, tls: enable).
        secretTargetRef: [
          { parameter: 'sasl', name: SECRET, key: 'keda-kafka-sasl' },
          { parameter: 'username', name: SECRET, key: 'kafka-username' },
          { parameter: 'password', name: SECRET, key: 'kafka-password' },
          { parameter: 'tls', name: SECRET, key: 'keda-kafka-tls' },
          { parameter: 'ca', name: TLS_SECRET, key: 'ca.crt' },
        ],
      },
    }],
    'scaledobjects.yaml': stages.map(scaledObject),
    'pdb.yaml': stages.map(podDisruptionBudget),
  };
}

/**
 * Component `components/prometheus-operator` for clusters with the Prometheus operator: a PodMonitor for every
 * personahub pod that serves /metrics, and the recording and alerting rules of deploy/prometheus/rules (the file
 * promtool tests) as a PrometheusRule.
 */
export function prometheusOperatorResources(): Record<string, unknown[]> {
  const rules = parseYaml(readFileSync(RULES_FILE, 'utf8')) as { groups: unknown[] };
  return {
    'podmonitor.yaml': [{
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor',
      metadata: { name: 'personahub', labels: partOf },
      spec: {
        selector: { matchLabels: partOf },
        // The alert rules select `up{job="personahub"}`. Without jobLabel the operator names the job
        // "<namespace>/<podmonitor>", and PersonahubTargetDown could never fire.
        jobLabel: 'app.kubernetes.io/name',
        // Only containers with a port named `http` (the stage Deployments; the init Job has none) are scraped.
        podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
      },
    }],
    'prometheusrule.yaml': [{
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule',
      metadata: { name: 'personahub', labels: partOf },
      spec: { groups: rules.groups },
    }],
  };
}

/** Strimzi cluster name the KafkaTopics belong to (label `strimzi.io/cluster`); patch it to yours. */
export const STRIMZI_CLUSTER = 'kafka';
/** Namespace of that Kafka cluster: Strimzi's Topic Operator watches KafkaTopics there. */
export const STRIMZI_NAMESPACE = 'kafka';
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * `strimzi-topics/`: one Strimzi KafkaTopic per topic of topics/ (the declarations `topics apply` reads), with the
 * same partitions, replication and configs, for clusters that manage topics through Strimzi's Topic Operator.
 */
export function strimziTopicResources(): unknown[] {
  return topicsFor({ replicationFactor: REPLICATION_FACTOR }).map((t) => {
    if (!K8S_NAME.test(t.name)) throw new Error(`topic ${t.name} is not a valid Kubernetes resource name; set spec.topicName`);
    return {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaTopic',
      metadata: { name: t.name, labels: { 'strimzi.io/cluster': STRIMZI_CLUSTER, ...partOf } },
      spec: { partitions: t.partitions, replicas: t.replicationFactor, config: { ...t.configs } },
    };
  });
}

/** Not part of the kustomization: the shape of the Secrets an operator creates (values are placeholders). */
export function secretExample(): unknown[] {
  return [
    {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: SECRET, namespace: NAMESPACE, labels: partOf },
      stringData: {
        'llm-api-key': 'sk-REPLACE-ME',
        'kafka-username': 'personahub',
        'kafka-password': 'REPLACE-ME',
        'registry-password': 'REPLACE-ME',
        'keda-kafka-sasl': 'scram_sha512',
        'keda-kafka-tls': 'enable',
      },
    },
    {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: TLS_SECRET, namespace: NAMESPACE, labels: partOf },
      stringData: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nREPLACE-ME\n-----END CERTIFICATE-----\n' },
    },
  ];
}

const IMAGE_NAME = IMAGE.split(':')[0]!;

export function kustomization(files: string[]): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: NAMESPACE,
    resources: files,
    images: [{ name: IMAGE_NAME, newTag: IMAGE.split(':')[1] }],
  };
}

export function componentKustomization(files: string[]): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', resources: files };
}

export function strimziKustomization(files: string[]): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: STRIMZI_NAMESPACE, resources: files };
}

/**
 * The example overlay: base + the Prometheus-operator component, image pinned by digest (a tag can be moved, a
 * digest cannot). The digest is a placeholder: put the one your registry printed when the image was pushed.
 */
export const EXAMPLE_DIGEST = `sha256:${'0'.repeat(64)}`;
export function exampleOverlay(): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    // The base's namespace covers only the base's own resources; the Component's need it here.
    namespace: NAMESPACE,
    resources: ['../../base'],
    components: ['../../components/prometheus-operator'],
    images: [{ name: IMAGE_NAME, digest: EXAMPLE_DIGEST }],
  };
}
