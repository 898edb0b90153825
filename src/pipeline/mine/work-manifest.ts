import type { SelectionConfig } from '../../mine/select.ts';
import { buildManifest, type Manifest, type SettingValue } from '../../workdir/manifest.ts';
import type { ReadOutputs } from '../stages/read.ts';
import type { ModelsOutputs } from '../stages/models.ts';
import type { MineRequest } from './run-mine.ts';

function inputOptions(request: MineRequest): string {
  // Paths are left out (the bytes are hashed); every option that changes what is read stays in.
  const paths = new Set(['data', 'corpus', 'queries', 'qrels', 'beir']);
  const options = Object.entries({ ...request.input, titleJoin: request.titleJoin }).filter(([flag]) => !paths.has(flag));
  return JSON.stringify(Object.fromEntries(options));
}

const orNull = (value: number | string | undefined): SettingValue => value ?? null;

/**
 * What each stage of `mine` depends on: the run's manifest. A setting sits in the first stage whose result it
 * changes, so a change reruns that stage and the ones downstream of it only (--relative-margin: select and write).
 */
export function mineManifest(request: MineRequest, context: { read: ReadOutputs; models: ModelsOutputs; selection: SelectionConfig; blockRows: number }): Manifest {
  const { read, models, selection, blockRows } = context;
  const { chunkRows } = request;
  const queries = read.dataset.queries.ids.length;
  const documents = read.dataset.corpus.ids.length;
  const queryBlocks = Math.ceil(queries / blockRows);
  const encoder = {
    modelSha256: models.digest?.modelSha256 ?? '',
    tokenizerSha256: models.digest?.tokenizerSha256 ?? '',
    pooling: models.config.pooling.join('+'),
    maxLength: models.config.maxLength,
    truncateDim: orNull(request.model.truncateDim),
    normalize: true,
    dtype: request.model.vectorDtype ?? 'float32',
  };
  const ce = request.crossEncoder;
  const planSettings = { rangeMax: selection.rangeMax, rangeMaxAddsPositives: selection.rangeMaxAddsPositives === true, givenNegatives: request.givenNegatives, dupThreshold: request.dupThreshold, exclusions: request.exclusions };
  return buildManifest(chunkRows, {
    read: { settings: { ...Object.fromEntries(Object.entries(read.inputSha256).map(([file, sha]) => [`sha256 ${file}`, sha])), options: inputOptions(request), queries, documents }, after: [], chunks: 0 },
    'embed-corpus': { settings: { ...encoder, prefix: models.prefixes.passage }, after: ['read'], chunks: Math.ceil(documents / chunkRows) },
    'embed-queries': { settings: { ...encoder, prefix: models.prefixes.query }, after: ['read'], chunks: Math.ceil(queries / chunkRows) },
    search: {
      settings: { index: request.index.factory ?? 'exact', nprobe: orNull(request.index.nprobe), efSearch: orNull(request.index.efSearch), loadIndex: orNull(request.index.load), rangeMax: selection.rangeMax, rangeMaxAddsPositives: selection.rangeMaxAddsPositives === true, givenNegatives: request.givenNegatives, blockRows },
      after: ['embed-corpus', 'embed-queries'],
      chunks: queryBlocks,
    },
    rerank: {
      settings:
        ce === undefined
          ? { crossEncoder: null }
          : { crossEncoder: models.ceDigest?.modelSha256 ?? ce.model, ceTokenizer: models.ceDigest?.tokenizerSha256 ?? '', ceActivation: ce.activation ?? 'auto', ceCandidates: orNull(ce.candidates), ...planSettings },
      after: ['search'],
      chunks: ce === undefined ? 0 : queryBlocks,
    },
    select: {
      settings: {
        ...planSettings,
        numNegatives: selection.numNegatives,
        rangeMin: selection.rangeMin,
        sampling: selection.sampling,
        seed: selection.seed,
        // What each query's random draw is seeded by (it was the query's position before): parts drawn the old way
        // are never mixed with new ones.
        seededBy: 'query id',
        relabel: selection.relabel,
        absoluteMargin: orNull(selection.absoluteMargin),
        relativeMargin: orNull(selection.relativeMargin),
        minScore: orNull(selection.minScore),
        maxScore: orNull(selection.maxScore),
        ceMaxScore: orNull(selection.ceMaxScore),
        minNegatives: orNull(request.minNegatives),
      },
      after: ['search', 'rerank'],
      chunks: 0,
    },
    write: { settings: { layout: request.layout, scores: request.scores }, after: ['select'], chunks: queryBlocks },
  });
}
