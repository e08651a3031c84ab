/**
 * Persistent names derived from a stage's name — never generated (Kafka Streams' lesson: generated names shift
 * when the topology changes, and a renamed group loses its committed offsets). One place for the format, used by
 * the runtime, the dataflow manifest and the deployment generators.
 */
export const groupIdFor = (stage: string, topicPrefix = ''): string => `${topicPrefix}personahub.${stage}`;
