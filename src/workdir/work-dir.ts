import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NegmineError, escapeControl } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { listWorkFolder, makeWorkFolder, readWorkFile, removeStaleWorkTemps, removeWorkFolder, takeLock, workPathKind, writeWorkFileAtomic } from '../io/work-files.ts';
import { decodeChunk, encodeChunk, type ChunkData } from './chunk-file.ts';
import { invalidation, manifestProblem, STAGES, type Manifest, type StageName } from './manifest.ts';

export const MANIFEST_FILE = 'manifest.json';
const LOCK_FILE = 'lock';

/** Chunks a stage took from the work directory and chunks it computed in this run. */
export interface ChunkCounts {
  reused: number;
  recomputed: number;
}

/** One stage's chunks: stored results to reuse, and a place for what it computes. */
export interface StageWork {
  readonly stage: StageName;
  /** The stored chunk when a complete, verified copy exists; a damaged one is logged (warn) and counts as missing. */
  load(chunk: number): Promise<ChunkData | undefined>;
  /** Stores a computed chunk (durably, under the stage's key) and counts it as recomputed; `data` runs only when stored. */
  save(chunk: number, data: () => ChunkData): Promise<void>;
}

/** A run's state: persistent with --work-dir, in memory (nothing kept) without. */
export interface Work {
  /** The folder, undefined for an in-memory work. */
  readonly dir: string | undefined;
  stage(name: StageName): StageWork;
  /** Per stage with chunks: how many were reused and recomputed. */
  counts(): Partial<Record<StageName, ChunkCounts>>;
  /** Releases the work directory's lock (a no-op in memory). */
  close(): Promise<void>;
}

/** The chunk file of a stage: `<dir>/<stage>/<chunk, 6 digits>.chunk`. */
export function chunkPath(dir: string, stage: StageName, chunk: number): string {
  return path.join(dir, stage, `${String(chunk).padStart(6, '0')}.chunk`);
}

function counter(counts: Map<StageName, ChunkCounts>, stage: StageName): ChunkCounts {
  let found = counts.get(stage);
  if (found === undefined) {
    found = { reused: 0, recomputed: 0 };
    counts.set(stage, found);
  }
  return found;
}

function countsOf(counts: Map<StageName, ChunkCounts>): Partial<Record<StageName, ChunkCounts>> {
  const out: Partial<Record<StageName, ChunkCounts>> = {};
  for (const stage of STAGES) {
    const found = counts.get(stage);
    if (found !== undefined) out[stage] = { ...found };
  }
  return out;
}

/** No --work-dir: every chunk is computed, nothing is kept. */
export function memoryWork(): Work {
  const counts = new Map<StageName, ChunkCounts>();
  return {
    dir: undefined,
    stage: (stage) => ({
      stage,
      load: () => Promise.resolve(undefined),
      save: () => {
        counter(counts, stage).recomputed += 1;
        return Promise.resolve();
      },
    }),
    counts: () => countsOf(counts),
    close: () => Promise.resolve(),
  };
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const bytes = await readWorkFile(path.join(dir, MANIFEST_FILE));
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    value = undefined;
  }
  const problem = manifestProblem(value);
  if (problem !== undefined) throw new NegmineError('E_USAGE', `Cannot use --work-dir '${dir}': its ${MANIFEST_FILE} is not a work directory manifest this negmine reads (${problem}); give a new or empty folder`);
  return value as Manifest;
}

/**
 * Refuses, before any work, a path that is not a work directory: a file, or a non-empty folder without a manifest
 * (another tool's folder must never be written into or cleaned up). Returns the previous run's manifest, if any.
 */
export async function checkWorkDir(dir: string): Promise<Manifest | undefined> {
  const kind = await workPathKind(dir);
  if (kind === 'absent') return undefined;
  if (kind === 'other') throw new NegmineError('E_USAGE', `Cannot use --work-dir '${dir}': it is not a folder`);
  const manifest = await readManifest(dir);
  if (manifest !== undefined) return manifest;
  const names = (await listWorkFolder(dir)).filter((name) => !name.startsWith('.negmine-tmp-') && name !== LOCK_FILE);
  if (names.length > 0) throw new NegmineError('E_USAGE', `Cannot use --work-dir '${dir}': it is not empty and holds no ${MANIFEST_FILE} (not a negmine work directory); give a new or empty folder`);
  return undefined;
}

/** Milliseconds to wait after each stored chunk: lets process tests kill a run between two chunks. */
function chunkPauseMs(): number {
  const value = Number(process.env['NEGMINE_CHUNK_PAUSE_MS'] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Opens (or creates) a work directory for a run described by `manifest`: stages whose key changed since the stored
 * manifest lose their chunks (one info line names them and the settings that changed), then the new manifest is
 * written. Chunks are verified when loaded, so a damaged or foreign file is recomputed, never trusted.
 */
export async function openWorkDir(dir: string, manifest: Manifest, log: Logger): Promise<Work> {
  const previous = await checkWorkDir(dir);
  await makeWorkFolder(dir);
  // One run per work directory: two writers would each invalidate and rewrite the other's chunks.
  const lock = await takeLock(path.join(dir, LOCK_FILE));
  if ('heldBy' in lock) {
    throw new NegmineError('E_IO', `Cannot use --work-dir '${dir}': another negmine run (pid ${lock.heldBy.pid} on ${lock.heldBy.host}) is using it; wait for it to end, or remove ${path.join(dir, LOCK_FILE)} if that run is gone`);
  }
  try {
    return await openLocked(dir, manifest, previous, log, lock.release);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function openLocked(dir: string, manifest: Manifest, previous: Manifest | undefined, log: Logger, release: () => Promise<void>): Promise<Work> {
  const stale = await removeStaleWorkTemps(dir);
  for (const stage of STAGES) for (const name of await removeStaleWorkTemps(path.join(dir, stage))) stale.push(path.join(stage, name));
  if (stale.length > 0) log.info({ event: 'stale_temp_removed', folder: dir, files: stale }, `removed ${stale.length} temp file(s) of killed runs in ${escapeControl(dir)}`);
  if (previous === undefined) {
    log.info({ event: 'work_dir_created', workDir: dir }, `work directory ${escapeControl(dir)}: new run`);
  } else {
    const { stages, changed } = invalidation(previous, manifest);
    for (const stage of stages) await removeWorkFolder(path.join(dir, stage));
    if (stages.length === 0) log.info({ event: 'work_dir_resumed', workDir: dir }, `work directory ${escapeControl(dir)}: same settings, resuming`);
    else log.info({ event: 'work_dir_invalidated', workDir: dir, stages, changed }, `work directory ${escapeControl(dir)}: ${changed.join(', ')} changed; recomputing ${stages.join(', ')}`);
  }
  await writeWorkFileAtomic(path.join(dir, MANIFEST_FILE), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  const counts = new Map<StageName, ChunkCounts>();
  const pauseMs = chunkPauseMs();
  const made = new Set<StageName>();
  return {
    dir,
    stage: (stage) => {
      const identity = (chunk: number) => ({ stage, key: manifest.stages[stage].key, chunk });
      return {
        stage,
        async load(chunk) {
          const file = chunkPath(dir, stage, chunk);
          const bytes = await readWorkFile(file);
          if (bytes === undefined) return undefined;
          const decoded = decodeChunk(bytes, identity(chunk));
          if ('problem' in decoded) {
            log.warn({ event: 'chunk_corrupt', stage, chunk, file, reason: decoded.problem }, `work directory chunk ${escapeControl(file)} is unusable (${decoded.problem}); recomputing it`);
            return undefined;
          }
          counter(counts, stage).reused += 1;
          return decoded.data;
        },
        async save(chunk, data) {
          if (!made.has(stage)) {
            await makeWorkFolder(path.join(dir, stage));
            made.add(stage);
          }
          const file = chunkPath(dir, stage, chunk);
          await writeWorkFileAtomic(file, encodeChunk(identity(chunk), data()));
          counter(counts, stage).recomputed += 1;
          log.debug({ event: 'chunk_written', stage, chunk, file }, `${stage}: chunk ${chunk} written`);
          if (pauseMs > 0) await sleep(pauseMs);
        },
      };
    },
    counts: () => countsOf(counts),
    close: release,
  };
}
