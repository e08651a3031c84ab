import { SchemaRegistryClient, type ClientConfig } from '@confluentinc/schemaregistry';
import type { RegistryConfig } from '../config/services.js';
import { fatal, retriable, type PersonahubError } from '../errors.js';

/**
 * The one factory for the Confluent-compatible registry client (Apicurio's ccompat API locally, Confluent
 * Schema Registry elsewhere). The client caches schemas by id and the latest version per subject.
 */
export function createRegistryClient(config: RegistryConfig, env: NodeJS.ProcessEnv = process.env): SchemaRegistryClient {
  const clientConfig: ClientConfig = {
    baseURLs: [config.url],
    // The latest version per subject is cached this long; a newly registered version is picked up after it.
    cacheLatestTtlSecs: 60,
    maxRetries: 2,
    retriesWaitMs: 200,
    retriesMaxWaitMs: 2000,
  };
  if (config.basicAuth) {
    const password = env[config.basicAuth.passwordEnv];
    if (password === undefined || password === '') {
      throw fatal('config_invalid', `registry.basicAuth: environment variable ${config.basicAuth.passwordEnv} is not set`);
    }
    clientConfig.basicAuthCredentials = { credentialsSource: 'USER_INFO', userInfo: `${config.basicAuth.username}:${password}` };
  }
  return new SchemaRegistryClient(clientConfig);
}

/** HTTP status of a registry REST error (RestError has `status`), or undefined for network failures. */
export function registryStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Classify a registry failure at the edge: 404 = the subject/id does not exist (the caller decides what that
 * means), 4xx = our request is wrong (fatal), 5xx and network errors = `registry_unavailable` (infrastructure: waited
 * out by the runtime, never a reason to dead-letter).
 */
export function classifyRegistryError(e: unknown, what: string): PersonahubError {
  const status = registryStatus(e);
  const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
  if (status !== undefined && status >= 400 && status < 500) return fatal('registry_error', message, { cause: e });
  return retriable('registry_unavailable', message, { cause: e });
}
