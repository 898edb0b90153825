import { createHash } from 'node:crypto';

/** Bumped when the layout of a work directory or of its chunks changes: an older manifest then invalidates everything. */
export const MANIFEST_FORMAT = 1;

/** The stages of `mine`, upstream first. */
export const STAGES = ['read', 'embed-corpus', 'embed-queries', 'search', 'rerank', 'select', 'write'] as const;
export type StageName = (typeof STAGES)[number];

export type SettingValue = string | number | boolean | null | readonly (string | number)[];

/** What one stage depends on: its own settings and the stages whose results it reads. */
export interface StageSpec {
  settings: Record<string, SettingValue>;
  after: readonly StageName[];
  /** Chunks the stage writes (0: it persists nothing of its own). */
  chunks: number;
}

export interface ManifestStage extends StageSpec {
  /** sha256 over the settings and the upstream stages' keys: a change anywhere upstream changes it. */
  key: string;
}

export interface Manifest {
  tool: 'negmine';
  format: typeof MANIFEST_FORMAT;
  chunkRows: number;
  stages: Record<StageName, ManifestStage>;
}

function sorted(settings: Record<string, SettingValue>): Record<string, SettingValue> {
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The manifest of a run: each stage's key chains its upstream keys, in stage order. */
export function buildManifest(chunkRows: number, specs: Record<StageName, StageSpec>): Manifest {
  const stages = {} as Record<StageName, ManifestStage>;
  for (const name of STAGES) {
    const spec = specs[name];
    const upstream = spec.after.map((stage) => {
      const before = stages[stage] as ManifestStage | undefined;
      if (before === undefined) throw new RangeError(`stage ${name} lists ${stage}, which does not come before it`);
      return before.key;
    });
    const settings = sorted(spec.settings);
    const key = createHash('sha256').update(JSON.stringify({ format: MANIFEST_FORMAT, stage: name, chunkRows, settings, upstream })).digest('hex');
    stages[name] = { settings, after: [...spec.after], chunks: spec.chunks, key };
  }
  return { tool: 'negmine', format: MANIFEST_FORMAT, chunkRows, stages };
}

/** Why a parsed value is not a manifest this version reads, or undefined when it is one. */
export function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'it is not a JSON object';
  const manifest = value as Partial<Manifest>;
  if (manifest.tool !== 'negmine') return 'it is not a negmine manifest';
  if (manifest.format !== MANIFEST_FORMAT) return `it has format ${JSON.stringify(manifest.format)}; this negmine reads format ${MANIFEST_FORMAT}`;
  if (typeof manifest.chunkRows !== 'number' || typeof manifest.stages !== 'object') return 'it lacks chunkRows or stages';
  for (const name of STAGES) {
    const stage = manifest.stages[name] as Partial<ManifestStage> | undefined;
    if (stage === undefined || typeof stage.key !== 'string' || typeof stage.chunks !== 'number' || typeof stage.settings !== 'object') return `its stage ${name} is incomplete`;
  }
  return undefined;
}

/** What changed between the previous run's manifest and this one's. */
export interface Invalidation {
  /** Stages whose key changed, in stage order: their chunks are recomputed. */
  stages: StageName[];
  /** The settings that differ, as `stage.setting` (`chunkRows` when the chunk size changed). */
  changed: string[];
}

/** Stages to recompute: a stage whose own settings changed, and every stage downstream of one. */
export function invalidation(previous: Manifest, next: Manifest): Invalidation {
  const stages: StageName[] = [];
  const changed: string[] = [];
  if (previous.chunkRows !== next.chunkRows) changed.push('chunkRows');
  for (const name of STAGES) {
    const before = previous.stages[name];
    const after = next.stages[name];
    if (before.key === after.key) continue;
    stages.push(name);
    const names = new Set([...Object.keys(before.settings), ...Object.keys(after.settings)]);
    for (const setting of [...names].sort()) {
      if (JSON.stringify(before.settings[setting] ?? null) !== JSON.stringify(after.settings[setting] ?? null)) changed.push(`${name}.${setting}`);
    }
  }
  return { stages, changed };
}
