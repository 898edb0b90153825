import { NegmineError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ModelFiles } from '../core/model-files.ts';
import { downloadHubFiles } from '../io/hub/hub-download.ts';
import { hubSettingsFromEnv } from '../io/hub/hub-settings.ts';
import { formatModelId, isLocalModelPath, parseModelId } from '../io/hub/model-id.ts';
import { readModelFiles } from '../io/model-files.ts';
import { stageProgress } from './progress.ts';

/** One debug event per loaded model: where it came from and whether its weights are mapped or copied. */
export function logModelLoaded(log: Logger, files: ModelFiles, weights: { mapped: boolean; mapError?: string }): void {
  log.debug({ event: 'model_loaded', model: files.onnxPath, weights: weights.mapped ? 'mapped' : 'copied', ...(weights.mapError === undefined ? {} : { mapError: weights.mapError }) }, `loaded ${files.onnxPath} (weights ${weights.mapped ? 'mapped from the file' : 'copied'})`);
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

/**
 * A model folder on disk for `--model` / `--cross-encoder`: a local folder as is, or a Hub id `org/name[@rev]`
 * fetched into (or reused from) the Hugging Face cache.
 */
export async function resolveModelFiles(spec: string, options: { modelFile?: string; log: Logger; env?: NodeJS.ProcessEnv }): Promise<ModelFiles> {
  if (isLocalModelPath(spec)) return readModelFiles(spec, options.modelFile);
  const id = parseModelId(spec);
  const settings = hubSettingsFromEnv(options.env);
  const onnxCandidates = options.modelFile !== undefined ? [options.modelFile] : ['onnx/model.onnx', 'model.onnx'];
  const log = options.log.child({ stage: 'model' });
  let bar: ReturnType<typeof stageProgress> | undefined;
  let barPath = '';
  const result = await downloadHubFiles(
    {
      repoId: id.repoId,
      revision: id.revision,
      files: [
        { path: 'tokenizer.json' },
        ...onnxCandidates.map((path) => ({ path, optional: options.modelFile === undefined })),
        ...onnxCandidates.map((path) => ({ path: `${path}_data`, optional: true })),
        ...OPTIONAL_FILES.map((path) => ({ path, optional: true })),
      ],
    },
    settings,
    {
      log,
      onProgress: (event) => {
        if (event.path !== barPath) {
          bar?.finish();
          barPath = event.path;
          bar = stageProgress(log, { label: `download ${event.path}`, total: event.totalBytes, unit: 'bytes' });
        }
        bar?.update(event.receivedBytes, event.totalBytes);
      },
    },
  );
  bar?.finish();
  const onnx = onnxCandidates.find((path) => result.files[path] !== null && result.files[path] !== undefined);
  if (onnx === undefined) {
    throw new NegmineError(
      'E_MODEL_LOAD',
      `Model ${formatModelId(id)} has no ONNX export (looked for ${onnxCandidates.join(', ')}): pick a file with --model-file (e.g. onnx/model_O4.onnx) or a model that ships onnx/model.onnx`,
    );
  }
  return readModelFiles(result.snapshotDir, onnx);
}
