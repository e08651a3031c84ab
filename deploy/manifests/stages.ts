/**
 * The deployable units, derived from the topics-as-code registry so compose and Kubernetes cannot drift from the
 * dataflow: one process (and consumer group `personahub.<stage>`) per stage that consumes a topic.
 */
import { ALL_TOPIC_DEFS, STAGE_INPUTS } from '../../topics/index.js';

export interface DeployStage {
  /** Stage name as `personahub run <name>` takes it, e.g. `synthesize-math`. */
  name: string;
  input: string;
  /** Consumer group, as the runtime names it (src/runtime/types.ts: `personahub.<stage>`). */
  groupId: string;
  /** Partitions of the input topic: the most replicas that can share the work. */
  partitions: number;
  /** Calls the LLM (needs the API key, scales on lag with a lower threshold). */
  usesLlm: boolean;
}

/** Port of /metrics, /healthz, /readyz inside containers (config `http.port` default). */
export const HTTP_PORT = 9464;
export const IMAGE = 'ghcr.io/personahub/personahub:0.1.0';

export function deployStages(): DeployStage[] {
  return STAGE_INPUTS.map(({ stage, input }) => {
    const topic = ALL_TOPIC_DEFS.find((t) => t.name === input);
    if (!topic) throw new Error(`topics/: stage ${stage} consumes ${input}, which is not defined`);
    return {
      name: stage,
      input,
      groupId: `personahub.${stage}`,
      partitions: topic.partitions,
      usesLlm: stage === 'extract' || stage === 'expand' || stage.startsWith('synthesize-'),
    };
  });
}
