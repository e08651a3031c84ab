import { dlqTopic } from '../contracts/dlq.js';
import { DlqUsageError } from './errors.js';

/** Where the records of a dead-letter topic go back to: the input topic of the stage that dead-lettered them. */
export interface ReplayTarget {
  /** The dead-letter topic, as given (physical: with the run's prefix). */
  dlqTopic: string;
  stage: string;
  /** The stage's input topic, logical (as the dataflow manifest names it) and physical (with the prefix). */
  input: string;
  inputTopic: string;
  /** The topic prefix of the run (`topics apply --prefix`), '' for the unprefixed dataflow. */
  prefix: string;
}

/**
 * Map a dead-letter topic `<prefix><input>.dlq.<stage>` back to the stage's input, using the dataflow's own
 * declaration of which stage reads which input (src/dataflow/manifest.ts: `stageInputs()`), never the topic name
 * alone: `a.b.dlq.c` is only a dead-letter topic if stage `c` reads `a.b`. The longest match wins, so a prefix
 * that itself contains `.dlq.` cannot confuse it.
 */
export function resolveTarget(topic: string, stages: ReadonlyArray<{ stage: string; input: string }>): ReplayTarget {
  let best: ReplayTarget | undefined;
  for (const { stage, input } of stages) {
    const suffix = dlqTopic(input, stage);
    if (!topic.endsWith(suffix)) continue;
    const prefix = topic.slice(0, topic.length - suffix.length);
    if (best === undefined || prefix.length < best.prefix.length) best = { dlqTopic: topic, stage, input, inputTopic: prefix + input, prefix };
  }
  if (!best) {
    const examples = stages.slice(0, 2).map(({ stage, input }) => dlqTopic(input, stage)).join(', ');
    throw new DlqUsageError(`${topic} is not a dead-letter topic of the dataflow (expected [prefix]<input>.dlq.<stage> for a stage that reads <input>, e.g. ${examples}; \`personahub dlq list\` shows them)`);
  }
  return best;
}

/** Every dead-letter topic of the dataflow for one prefix, in the manifest's order. */
export function dlqTopicsFor(prefix: string, stages: ReadonlyArray<{ stage: string; input: string }>): ReplayTarget[] {
  return stages.map(({ stage, input }) => ({ dlqTopic: prefix + dlqTopic(input, stage), stage, input, inputTopic: prefix + input, prefix }));
}
