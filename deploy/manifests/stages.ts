/**
 * The deployable units, derived from the dataflow manifest (src/dataflow/manifest.ts) so compose and Kubernetes
 * cannot drift from the dataflow: one process per `personahub run <name>`. A unit may run several consumer groups (`personahub.<stage>`):
 * `run dedup` and `run pagefilter` also run their `-bands` stage, which consumes the filter's route topic.
 */
import { ALL_TOPIC_DEFS } from '../../topics/index.js';
import { dataflowManifest } from '../../src/dataflow/manifest.js';

export interface Consumer {
  stage: string;
  /** Consumer group, as the runtime names it (src/runtime/names.ts: `personahub.<stage>`). */
  groupId: string;
  topic: string;
  partitions: number;
}

export interface DeployStage {
  /** Name as `personahub run <name>` takes it, e.g. `synthesize-math`. */
  name: string;
  consumers: Consumer[];
  /** The most replicas that can all hold work: the fewest partitions among the unit's input topics. */
  maxReplicas: number;
  /** Calls the LLM (needs the API key, scales on lag with a lower threshold). */
  usesLlm: boolean;
}

/** Port of /metrics, /healthz, /readyz inside containers (config `http.port` default). */
export const HTTP_PORT = 9464;
export const IMAGE = 'ghcr.io/personahub/personahub:0.1.0';

function consumer(stage: string, groupId: string, topic: string): Consumer {
  const def = ALL_TOPIC_DEFS.find((t) => t.name === topic);
  if (!def) throw new Error(`topics/: stage ${stage} consumes ${topic}, which is not defined`);
  return { stage, groupId, topic, partitions: def.partitions };
}

/** One unit per `personahub run <name>`, from the dataflow manifest (the stages' own declarations). */
export function deployStages(): DeployStage[] {
  return dataflowManifest().map((unit) => {
    const consumers = unit.stages.map((s) => consumer(s.stage, s.groupId, s.input));
    return { name: unit.name, consumers, maxReplicas: Math.min(...consumers.map((c) => c.partitions)), usesLlm: unit.usesLlm };
  });
}
