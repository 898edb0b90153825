import { buildIndex, type VectorIndex } from '../../ann/vector-index.ts';
import type { ExpectedFingerprint } from '../../core/index-fingerprint.ts';
import type { StringList } from '../../core/dataset.ts';
import { escapeControl } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { loadIndexFiles, saveIndex } from '../../io/index-store.ts';
import type { ExecutionTarget } from '../../model/device.ts';
import { OnnxExactSearch } from '../../model/exact-search.ts';
import { stageProgress } from '../progress.ts';
import type { VectorChunks } from '../../core/vector-chunks.ts';

export interface IndexSettings {
  factory?: string;
  nprobe?: number;
  efSearch?: number;
  save?: string;
  load?: string;
}

/** Top-k search output of the queries searched, row-major [queries, k]; id -1 marks an empty slot. */
export interface SearchHits {
  k: number;
  scores: Float32Array;
  ids: Int32Array;
}

/** What the search stage calls: exact search through onnxruntime, or a FAISS index. */
export interface Searcher {
  readonly description: string;
  /** IVF lists visited per query (absent without IVF lists): the stats report it beside recall hints. */
  readonly nprobe?: number;
  readonly efSearch?: number;
  search(queries: Float32Array, k: number, onProgress?: (done: number, total: number) => void): Promise<SearchHits>;
  release(): Promise<void>;
}

function faissSearcher(index: VectorIndex, log: Logger): Searcher {
  if (index.nprobe !== undefined || index.efSearch !== undefined) {
    log.info({ event: 'index_search_params', nprobe: index.nprobe ?? null, efSearch: index.efSearch ?? null }, `searching with ${index.nprobe === undefined ? '' : `nprobe ${index.nprobe}`}${index.nprobe !== undefined && index.efSearch !== undefined ? ', ' : ''}${index.efSearch === undefined ? '' : `efSearch ${index.efSearch}`}`);
  }
  return {
    description: index.description,
    ...(index.nprobe === undefined ? {} : { nprobe: index.nprobe }),
    ...(index.efSearch === undefined ? {} : { efSearch: index.efSearch }),
    search: (queries, k) => Promise.resolve(index.search(queries, k)), release: () => Promise.resolve() };
}

/**
 * Builds what search needs. Exact search (the default) runs as an onnxruntime Gemm + TopK graph on the run's device;
 * FAISS serves --index factory strings and --load-index, and writes --save-index (a .faiss file Python reads).
 */
export async function indexStage(
  corpus: VectorChunks,
  settings: IndexSettings,
  context: { fingerprint: ExpectedFingerprint; ids: StringList; seed: number; target: ExecutionTarget; threads?: number; log: Logger },
): Promise<Searcher> {
  const { log } = context;
  const searchParams = { ...(settings.nprobe === undefined ? {} : { nprobe: settings.nprobe }), ...(settings.efSearch === undefined ? {} : { efSearch: settings.efSearch }) };
  if (settings.load !== undefined) {
    const loaded = loadIndexFiles(settings.load, context.fingerprint, searchParams);
    log.info({ event: 'index_loaded', dir: settings.load, size: loaded.index.size, description: loaded.index.description }, `index reused from ${settings.load}`);
    return faissSearcher(loaded.index, log);
  }
  const size = corpus.rows;
  let faiss: VectorIndex | undefined;
  if (settings.factory !== undefined || settings.save !== undefined) {
    const progress = stageProgress(log, { label: 'build index', total: size });
    faiss = buildIndex(corpus, corpus.dim, {
      ...(settings.factory === undefined ? {} : { factory: settings.factory }),
      ...searchParams,
      seed: context.seed,
      onProgress: (done) => {
        progress.update(done);
      },
      onSparseTraining: (warning) => {
        const fix = warning.maxNlist === undefined ? 'use a smaller codebook or more documents' : `use at most IVF${warning.maxNlist} for ${size} documents`;
        log.warn(
          { event: 'index_sparse_training', factory: settings.factory, documents: size, ...warning },
          `--index '${settings.factory ?? ''}' trains ${warning.centroids} centroids on ${warning.trainingVectors} vectors; FAISS wants at least ${warning.minimumVectors} (39 per centroid): lists end up nearly empty and search misses neighbours (${fix})`,
        );
      },
      onFaissMessage: (line) => {
        log.warn({ event: 'faiss_output', text: line }, `FAISS: ${escapeControl(line)}`);
      },
    });
    progress.finish();
    log.info({ event: 'stage_end', size: faiss.size, description: faiss.description }, `built ${faiss.description}`);
    if (settings.save !== undefined) {
      saveIndex(settings.save, faiss, { fingerprint: { ...context.fingerprint, factory: context.fingerprint.factory ?? 'Flat' }, ids: context.ids });
      log.info({ event: 'index_saved', dir: settings.save }, `index saved to ${settings.save}`);
    }
  }
  if (faiss !== undefined && settings.factory !== undefined) return faissSearcher(faiss, log);
  const exact = await OnnxExactSearch.create(corpus, corpus.dim, { target: context.target, ...(context.threads === undefined ? {} : { threads: context.threads }) });
  log.info({ event: 'stage_end', size, description: 'exact inner product (onnxruntime Gemm + TopK)' }, 'exact search ready');
  return {
    description: `exact inner product over ${size} vectors (onnxruntime)`,
    search: (queries, k, onProgress) => exact.search(queries, k, onProgress),
    release: () => exact.release(),
  };
}
