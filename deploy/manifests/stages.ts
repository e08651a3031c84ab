/**
 * The deployable units, derived from the topics-as-code registry so compose and Kubernetes cannot drift from the
 * dataflow: one process per `personahub run <name>`. A unit may run several consumer groups (`personahub.<stage>`):
 * `run dedup` and `run pagefilter` also run their `-bands` stage, which consumes the filter's route topic.
 */
import { ALL_TOPIC_DEFS, STAGE_INPUTS } from '../../topics/index.js';
import { DEDUP_STREAM_TOPICS, PAGE_FILTER_STAGE, PERSONA_DEDUP_STAGE } from '../../src/dedup/stream/specs.js';

export interface Consumer {
  stage: string;
  /** Consumer group, as the runtime names it (src/runtime/types.ts: `personahub.<stage>`). */
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

const ROUTE_TOPICS: Record<string, string> = {
  [PERSONA_DEDUP_STAGE]: DEDUP_STREAM_TOPICS.personas.route,
  [PAGE_FILTER_STAGE]: DEDUP_STREAM_TOPICS.documents.route,
};

function consumer(stage: string, topic: string): Consumer {
  const def = ALL_TOPIC_DEFS.find((t) => t.name === topic);
  if (!def) throw new Error(`topics/: stage ${stage} consumes ${topic}, which is not defined`);
  return { stage, groupId: `personahub.${stage}`, topic, partitions: def.partitions };
}

export function deployStages(): DeployStage[] {
  return STAGE_INPUTS.filter(({ stage }) => !stage.endsWith('-bands')).map(({ stage, input }) => {
    const route = ROUTE_TOPICS[stage];
    const consumers = [consumer(stage, input), ...(route ? [consumer(`${stage}-bands`, route)] : [])];
    return {
      name: stage,
      consumers,
      maxReplicas: Math.min(...consumers.map((c) => c.partitions)),
      usesLlm: stage === 'extract' || stage === 'expand' || stage.startsWith('synthesize-'),
    };
  });
}
