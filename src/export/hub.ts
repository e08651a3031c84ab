import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fatal } from '../errors.js';
import { EXPORT_STATE_FILE } from './names.js';

/**
 * Optional upload of an exported `datasets` folder to the Hugging Face Hub (`export --format hf --push-to-hub
 * owner/name`), with the official client (@huggingface/hub: it speaks the Hub's commit, LFS and Xet protocols).
 *
 * Only when a token is configured: the token is read from the environment variable named by `tokenEnv` (never
 * from a file or a flag, so it does not land in shell history). Without one, the push is refused before anything
 * is sent — the folder stays complete on disk. The client is imported only when pushing.
 */
export interface PushOptions {
  folder: string;
  repo: string;
  tokenEnv: string;
  env?: NodeJS.ProcessEnv;
  /** For private Hub mirrors and tests of the URL; default the public Hub. */
  hubUrl?: string;
}

export function hubToken(tokenEnv: string, env: NodeJS.ProcessEnv = process.env): string {
  const token = env[tokenEnv];
  if (!token) throw fatal('config_invalid', `--push-to-hub needs a Hugging Face token in the environment variable ${tokenEnv} (unset): nothing was pushed; the folder is complete on disk`);
  return token;
}

/** The files a push uploads: the card and the shards (not the export's private state file). */
export async function folderFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name !== EXPORT_STATE_FILE && !e.name.endsWith('.tmp')) out.push(relative(folder, p));
    }
  };
  await walk(folder);
  return out.sort();
}

export async function pushToHub(o: PushOptions): Promise<{ files: number; commit?: string }> {
  const accessToken = hubToken(o.tokenEnv, o.env);
  if (!/^[\w.-]+\/[\w.-]+$/.test(o.repo)) throw fatal('config_invalid', `--push-to-hub ${o.repo}: expected owner/name`);
  const files = await folderFiles(o.folder);
  const hub = await import('@huggingface/hub');
  const repo = { type: 'dataset' as const, name: o.repo };
  const exists = await hub.repoExists({ repo, accessToken, ...(o.hubUrl ? { hubUrl: o.hubUrl } : {}) });
  if (!exists) await hub.createRepo({ repo, accessToken, ...(o.hubUrl ? { hubUrl: o.hubUrl } : {}) });
  const res = await hub.uploadFiles({
    repo,
    accessToken,
    ...(o.hubUrl ? { hubUrl: o.hubUrl } : {}),
    commitTitle: `personahub export: ${files.length} files`,
    files: await Promise.all(files.map(async (f) => ({ path: f.split('\\').join('/'), content: new Blob([await readFile(join(o.folder, f))]) }))),
  });
  return { files: files.length, ...(res?.commit.oid ? { commit: res.commit.oid } : {}) };
}
