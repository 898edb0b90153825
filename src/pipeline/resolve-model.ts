import { NegmineError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import path from 'node:path';
import { isStaticModel, type BiEncoderFiles, type ModelFiles } from '../core/model-files.ts';
import { downloadHubFiles } from '../io/hub/hub-download.ts';
import { hubSettingsFromEnv } from '../io/hub/hub-settings.ts';
import { formatModelId, isLocalModelPath, parseModelId } from '../io/hub/model-id.ts';
import { ONNX_CANDIDATES, readBiEncoderFiles, readModelFiles } from '../io/model-files.ts';
import { parseModules, readJson } from '../io/model-folder.ts';
import { detectStaticModel, readStaticModelFiles, staticFilePaths, staticPlan, type StaticPlan } from '../io/static-model-files.ts';
import type { CpuThreads } from '../model/cpu-threads.ts';
import { stageProgress } from './progress.ts';

/**
 * One debug event per loaded model: what it is, where it came from, whether its weights are mapped or copied, and
 * (on CPU) the intra-op threads and spinning its session was created with.
 */
export function logModelLoaded(log: Logger, files: BiEncoderFiles, weights: { mapped: boolean; mapError?: string }, threads?: CpuThreads): void {
  const threading = threads === undefined ? {} : { intraOpThreads: threads.intraOpThreads, spinning: threads.spinning };
  const cpu = threads === undefined ? '' : `; ${threads.intraOpThreads} intra-op threads, spinning ${threads.spinning ? 'on' : 'off'}`;
  if (isStaticModel(files)) {
    const rules = files.layout === 'model2vec' ? 'model2vec' : 'sentence-transformers StaticEmbedding';
    log.debug({ event: 'model_loaded', model: files.weightsPath, kind: 'static embedding', layout: files.layout, weights: 'built into an in-memory graph', ...threading }, `loaded static embedding model ${files.weightsPath} (${rules} rules, embedding-bag graph built in memory${cpu})`);
    return;
  }
  log.debug({ event: 'model_loaded', model: files.onnxPath, kind: 'transformer', weights: weights.mapped ? 'mapped' : 'copied', ...(weights.mapError === undefined ? {} : { mapError: weights.mapError }), ...threading }, `loaded ${files.onnxPath} (weights ${weights.mapped ? 'mapped from the file' : 'copied'}${cpu})`);
}

export const DEFAULT_BI_ENCODER = 'sentence-transformers/all-MiniLM-L6-v2';
export const DEFAULT_CROSS_ENCODER = 'cross-encoder/ms-marco-MiniLM-L6-v2';

const OPTIONAL_FILES = [
  'modules.json',
  '1_Pooling/config.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  'config.json',
  'tokenizer_config.json',
] as const;

// Fetched first (all optional): enough to tell a static embedding model from an ONNX export. tokenizer.json, which
// an ONNX export needs anyway, comes first so that an offline cache miss names it.
const STATIC_PROBE_FILES = ['tokenizer.json', 'modules.json', 'config.json', 'config_sentence_transformers.json'] as const;

type Download = (files: { path: string; optional?: boolean }[], revision?: string) => Promise<{ snapshotDir: string; commit: string; files: Record<string, string | null> }>;

/** Downloads files of one Hub repo with one progress bar per file; a later call may pin the commit of the first. */
function hubDownloader(spec: string, options: { log: Logger; env?: NodeJS.ProcessEnv }): Download {
  const id = parseModelId(spec);
  const settings = hubSettingsFromEnv(options.env);
  const log = options.log.child({ stage: 'model' });
  return async (files, revision) => {
    let bar: ReturnType<typeof stageProgress> | undefined;
    let barPath = '';
    const result = await downloadHubFiles({ repoId: id.repoId, revision: revision ?? id.revision, files }, settings, {
      log,
      onProgress: (event) => {
        if (event.path !== barPath) {
          bar?.finish();
          barPath = event.path;
          bar = stageProgress(log, { label: `download ${event.path}`, total: event.totalBytes, unit: 'bytes' });
        }
        bar?.update(event.receivedBytes, event.totalBytes);
      },
    });
    bar?.finish();
    return result;
  };
}

async function readJsonFile(file: string | null | undefined): Promise<Record<string, unknown> | null> {
  return file === null || file === undefined ? null : readJson(path.dirname(file), path.basename(file));
}

/** What a Hub repo is, from its small metadata files: a static embedding model's plan, or null (an ONNX export). */
async function hubStaticPlan(download: Download, spec: string): Promise<{ plan: StaticPlan | null; commit: string; dir: string }> {
  const result = await download(STATIC_PROBE_FILES.map((file) => ({ path: file, optional: true })));
  const dir = result.snapshotDir;
  const modules = parseModules(spec, await readJsonFile(result.files['modules.json']));
  return { plan: staticPlan(modules, await readJsonFile(result.files['config.json'])), commit: result.commit, dir };
}

/**
 * A `--model` on disk: a local folder as is, or a Hub id `org/name[@rev]` fetched into (or reused from) the Hugging
 * Face cache. modules.json and config.json come first and decide whether the repo is a static embedding model (then
 * its safetensors and tokenizer are fetched) or an ONNX export.
 */
export async function resolveBiEncoderFiles(spec: string, options: { modelFile?: string; log: Logger; env?: NodeJS.ProcessEnv }): Promise<BiEncoderFiles> {
  if (isLocalModelPath(spec)) return readBiEncoderFiles(spec, options.modelFile);
  if (options.modelFile !== undefined) return resolveModelFiles(spec, options);
  const download = hubDownloader(spec, options);
  const probe = await hubStaticPlan(download, spec);
  if (probe.plan === null) return resolveOnnx(spec, download, options.modelFile, probe.commit);
  const paths = staticFilePaths(probe.plan);
  await download([{ path: paths.tokenizer }, { path: paths.weights }], probe.commit);
  const dir = probe.dir;
  return readStaticModelFiles(dir, probe.plan, {
    modules: parseModules(dir, await readJson(dir, 'modules.json')),
    config: await readJson(dir, 'config.json'),
    sentenceTransformersConfig: await readJson(dir, 'config_sentence_transformers.json'),
  });
}

/**
 * A model folder on disk for `--cross-encoder` (and ONNX `--model` exports): a local folder as is, or a Hub id
 * `org/name[@rev]` fetched into (or reused from) the Hugging Face cache.
 */
export async function resolveModelFiles(spec: string, options: { modelFile?: string; log: Logger; env?: NodeJS.ProcessEnv }): Promise<ModelFiles> {
  if (isLocalModelPath(spec)) {
    if (options.modelFile === undefined && (await detectStaticModel(spec, ONNX_CANDIDATES)) !== null) throw staticAsCrossEncoder(spec);
    return readModelFiles(spec, options.modelFile);
  }
  const download = hubDownloader(spec, options);
  if (options.modelFile !== undefined) return resolveOnnx(spec, download, options.modelFile);
  const probe = await hubStaticPlan(download, spec);
  if (probe.plan !== null) throw staticAsCrossEncoder(spec);
  return resolveOnnx(spec, download, undefined, probe.commit);
}

function staticAsCrossEncoder(spec: string): NegmineError {
  return new NegmineError('E_MODEL_MISMATCH', `Model '${spec}' is a static embedding model (a bi-encoder); pass it with --model, and a cross-encoder with --cross-encoder`);
}

async function resolveOnnx(spec: string, download: Download, modelFile: string | undefined, commit?: string): Promise<ModelFiles> {
  const onnxCandidates = modelFile !== undefined ? [modelFile] : ['onnx/model.onnx', 'model.onnx'];
  const result = await download(
    [
      { path: 'tokenizer.json' },
      ...onnxCandidates.map((file) => ({ path: file, optional: modelFile === undefined })),
      ...onnxCandidates.map((file) => ({ path: `${file}_data`, optional: true })),
      ...OPTIONAL_FILES.map((file) => ({ path: file, optional: true })),
    ],
    commit,
  );
  const onnx = onnxCandidates.find((file) => result.files[file] !== null && result.files[file] !== undefined);
  if (onnx === undefined) {
    throw new NegmineError(
      'E_MODEL_LOAD',
      `Model ${formatModelId(parseModelId(spec))} has no ONNX export (looked for ${onnxCandidates.join(', ')}): pick a file with --model-file (e.g. onnx/model_O4.onnx) or a model that ships onnx/model.onnx`,
    );
  }
  return readModelFiles(result.snapshotDir, onnx);
}
