// JSON files of a model folder (modules.json, config.json, ...) and the errors that name the folder.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError } from '../core/errors.ts';
import type { ModelFiles } from '../core/model-files.ts';

export type Json = Record<string, unknown>;


export function loadError(dir: string, message: string, cause?: unknown): NegmineError {
  return new NegmineError('E_MODEL_LOAD', `Cannot load model '${dir}': ${message}`, cause === undefined ? undefined : { cause });
}

export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export async function readJson(dir: string, relative: string): Promise<Json | null> {
  const file = path.join(dir, relative);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw loadError(dir, `cannot read ${relative} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, error);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) throw new Error('not a JSON object or array');
    return value as Json;
  } catch (error) {
    throw loadError(dir, `${relative} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
}

export function parseModules(dir: string, raw: Json | null): ModelFiles['modules'] {
  if (raw === null) return null;
  if (!Array.isArray(raw)) throw loadError(dir, 'modules.json: expected a list of modules');
  return (raw as unknown[]).map((entry, i) => {
    const module = entry as { type?: unknown; path?: unknown };
    if (typeof module.type !== 'string' || typeof module.path !== 'string') throw loadError(dir, `modules.json entry ${i}: expected "type" and "path" strings`);
    return { type: module.type, path: module.path };
  });
}

