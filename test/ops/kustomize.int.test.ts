import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { K8S_DIR, schemaProblems, unknownFieldProblems, type K8sEntry } from './k8s-schemas.js';
import { deployStages, IMAGE } from '../../deploy/manifests/stages.js';

/**
 * deploy/k8s rendered by a real kustomize (built once from the Go module proxy, scripts/ci/kustomize.sh), offline:
 * the base, the example overlay with its Component and image digest, and the Strimzi topics. What kustomize emits
 * is what `kubectl apply -k` would send, and it passes the same schema and unknown-field checks as the sources.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const kustomize = () => execFileSync('bash', [join(ROOT, 'scripts/ci/kustomize.sh')], { encoding: 'utf8', timeout: 20 * 60_000, stdio: ['ignore', 'pipe', 'inherit'] }).trim();

function render(bin: string, dir: string): K8sEntry[] {
  const out = execFileSync(bin, ['build', join(K8S_DIR, dir)], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(out).map((d) => ({ file: `${dir} (kustomize build)`, doc: d.toJS() }));
}

type Doc = Record<string, any>;
const images = (docs: Doc[]) => docs.flatMap((d) => {
  const spec = d.spec?.template?.spec;
  return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((c: Doc) => c.image as string) : [];
});

describe('kustomize build of deploy/k8s', () => {
  it('the base, the example overlay and the Strimzi topics render, and the rendered objects pass the checks', () => {
    const bin = kustomize();
    const base = render(bin, 'base');
    const overlay = render(bin, 'overlays/example');
    const strimzi = render(bin, 'strimzi-topics');

    const kinds = (es: K8sEntry[]) => es.map((e) => e.doc.kind);
    expect(kinds(overlay)).toEqual(expect.arrayContaining([...new Set(kinds(base))]));
    expect(kinds(overlay)).toEqual(expect.arrayContaining(['PodMonitor', 'PrometheusRule']));
    expect(overlay.length).toBe(base.length + 2);
    for (const e of [...base, ...overlay]) if (e.doc.kind !== 'Namespace') expect(e.doc.metadata?.namespace, `${e.doc.kind}/${e.doc.metadata?.name}`).toBe('personahub');
    expect(strimzi.every((e) => e.doc.kind === 'KafkaTopic' && e.doc.metadata?.namespace === 'kafka')).toBe(true);

    // Base: the tag; overlay: the digest, on every container of every workload.
    const baseImages = images(base.map((e) => e.doc));
    expect(baseImages.length).toBe(deployStages().length + 2);
    expect(new Set(baseImages)).toEqual(new Set([IMAGE]));
    expect(images(overlay.map((e) => e.doc)).every((i) => /^ghcr\.io\/personahub\/personahub@sha256:[0-9a-f]{64}$/.test(i))).toBe(true);
    for (const e of overlay) if (e.doc.kind === 'Deployment') expect((e.doc as Doc).spec).not.toHaveProperty('replicas');

    const all = [...overlay, ...strimzi];
    expect(schemaProblems(all)).toEqual([]);
    expect(unknownFieldProblems(all).map((p) => `${p.name}: ${p.message}`).join('\n')).toBe('');
  }, 25 * 60_000);
});
