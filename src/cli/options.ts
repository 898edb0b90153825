import { Option, type Command } from 'commander';
import { VECTOR_DTYPES } from '../core/vector-chunks.ts';

// Flag groups shared by the data commands; each issue that implements a group wires its parsing.

/** Help shows string defaults as typed (`default: 3`), not JSON-quoted (`default: "3"`); applied to every command. */
export function plainDefaults(command: Command): Command {
  for (const option of command.options) {
    if (typeof option.defaultValue === 'string' && option.defaultValueDescription === undefined) option.defaultValueDescription = option.defaultValue;
  }
  for (const sub of command.commands) plainDefaults(sub);
  return command;
}

/** Dataset input flags (rows file, corpus, BEIR layout). */
export function addInputOptions(command: Command): Command {
  return command
    .addOption(new Option('--data <file>', "rows file: JSONL or Parquet, one row per query or per (query, positive); '-' reads JSONL from stdin"))
    .addOption(new Option('--input-format <format>', 'format of --data when the extension does not tell').choices(['jsonl', 'parquet']))
    .addOption(new Option('--query-field <name>', 'query column (default: query|anchor|question)'))
    .addOption(new Option('--query-id-field <name>', 'query id column (default: query_id when present; else ids are derived from the text)'))
    .addOption(new Option('--positive-field <name>', 'positive text column, a string or list of strings (default: positive|pos|positives)'))
    .addOption(new Option('--positive-id-field <name>', 'positive ids into --corpus, a string or list'))
    .addOption(new Option('--negative-field <name>', 'given negatives column, a string or list (default: neg|negative|negatives when present)'))
    .addOption(new Option('--corpus <file>', 'corpus file: JSONL or Parquet'))
    .addOption(new Option('--corpus-id-field <name>', 'corpus id column (default: _id|id|doc_id|docid)'))
    .addOption(new Option('--corpus-text-field <name>', 'corpus text column (default: text|contents|passage)'))
    .addOption(new Option('--corpus-title-field <name>', 'corpus title column'))
    .addOption(new Option('--title-join <how>', 'how a title and its text combine into the passage').choices(['space', 'newline', 'none']).default('space'))
    .addOption(new Option('--queries <file>', 'queries file (BEIR queries.jsonl layout)'))
    .addOption(new Option('--qrels <file>', 'qrels TSV: query-id, corpus-id, score (header row optional)'))
    .addOption(new Option('--qrels-min-score <n>', 'qrels score at or above which a document is a positive').default('1'))
    .addOption(new Option('--beir <dir>', 'BEIR folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv'))
    .addOption(new Option('--split <name>', 'qrels split in a BEIR folder').default('test'))
    .addOption(new Option('--on-bad-row <policy>', 'stop at the first invalid row, or skip and count it').choices(['error', 'skip']).default('error'));
}

/** Bi-encoder / cross-encoder runtime flags; `mine` has no --normalize (mining always normalizes, as sentence-transformers does). */
export function addModelOptions(command: Command, withCrossEncoder: boolean, withNormalize = true): Command {
  command
    .addOption(new Option('--model <id-or-dir>', 'bi-encoder: local folder or Hugging Face id org/name[@revision]; an ONNX export, a StaticEmbedding or a model2vec model').default('sentence-transformers/all-MiniLM-L6-v2'))
    .addOption(new Option('--model-file <path>', 'ONNX file inside the model folder (default: model.onnx or onnx/model.onnx)'))
    .addOption(new Option('--max-length <n>', "truncate texts to n tokens (default: the model's max_seq_length; static embedding models: none for StaticEmbedding, 512 for model2vec)"))
    .addOption(new Option('--truncate-dim <n>', 'keep the first n dimensions of each embedding, normalized after the cut when vectors are normalized (Matryoshka models; 1 to the model\'s dimension)'))
    .addOption(new Option('--vector-dtype <dtype>', 'keep embeddings as float32 or float16 (half the memory and cache; search still accumulates in float32)').choices(VECTOR_DTYPES).default('float32'))
    .addOption(new Option('--batch-size <n>', 'most texts per model batch').default('32'))
    .addOption(new Option('--max-batch-tokens <n>', 'most padded tokens per model batch, batches being length-sorted (default: 512 on CPU, 16384 on CUDA, WebGPU and for static embedding models)'))
    .addOption(new Option('--query-prefix <text>', "text prepended to queries (e.g. 'query: ' for E5)"))
    .addOption(new Option('--passage-prefix <text>', "text prepended to passages (e.g. 'passage: ' for E5)"))
    .addOption(new Option('--device <device>', 'auto, cpu, cuda, cuda:N or webgpu; auto tries cuda, then webgpu, then falls back to CPU with a warning').default('auto'))
    .addOption(new Option('--threads <n>', 'intra-op threads per ONNX session (default: one per core; on CPU idle threads never spin)'));
  if (withNormalize) command.addOption(new Option('--normalize', 'L2-normalize embeddings even without a Normalize module'));
  if (withCrossEncoder) {
    command
      .addOption(new Option('--cross-encoder [id-or-dir]', 'rescore candidates and drop false negatives (default model: cross-encoder/ms-marco-MiniLM-L6-v2)'))
      .addOption(new Option('--cross-encoder-file <path>', 'ONNX file inside the cross-encoder folder'))
      .addOption(
        new Option('--ce-activation <fn>', "applied to a single logit (none = raw logit); two-class models always give the probability of label 1")
          .choices(['auto', 'sigmoid', 'none', 'tanh'])
          .default('auto', "from the model's config.json as sentence-transformers reads it, else sigmoid"),
      );
  }
  return command;
}

/** Output flags. */
export function addOutputOptions(command: Command, withLayouts: boolean): Command {
  command
    .addOption(
      new Option(
        '-o, --output <file>',
        "output file, written to a temp file (.negmine-tmp-*) and renamed at the end; devices and FIFOs are written in place; '-' streams to stdout; an output that is an input, or a missing folder, is refused before any work",
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--output-format <format>', 'output format (default: from the extension)').choices(withLayouts ? ['jsonl', 'parquet', 'arrow'] : ['jsonl', 'parquet', 'arrow', 'npy']),
    );
  if (withLayouts) {
    command
      .addOption(new Option('--format <layout>', 'record layout: FlagEmbedding per-query record, or a sentence-transformers format').choices(['flagembedding', 'triplet', 'n-tuple', 'labeled-pair', 'labeled-list']).default('flagembedding'))
      .addOption(
        new Option(
          '--scores',
          "sentence-transformers' output_scores: triplet and n-tuple get a scores list [positive, negatives...]; labeled-pair's label becomes score, labeled-list's labels become scores",
        ),
      )
      .addOption(
        new Option(
          '--min-negatives <n>',
          'leave out queries with fewer negatives, counted in the report (default: 1 for flagembedding, whose trainer fails on an empty neg list, and labeled-list; num-negatives for n-tuple; 0 otherwise)',
        ),
      );
  }
  return command;
}

/** Candidate selection and false-negative filtering flags. */
export function addMiningOptions(command: Command): Command {
  return command
    .addOption(new Option('--num-negatives <n>', 'negatives per query').default('3'))
    .addOption(new Option('--range-min <n>', 'skip this many top candidates').default('0'))
    .addOption(new Option('--range-max <n>', 'consider candidates up to this rank (default per query: range-min + num-negatives + the query\'s own positive count, x10 negatives with a margin or max-score)'))
    .addOption(new Option('--sampling <how>', 'pick negatives from the window').choices(['top', 'random']).default('top'))
    .addOption(new Option('--seed <n>', 'seed for --sampling random').default('42'))
    .addOption(new Option('--absolute-margin <m>', 'drop candidates with score + m > minimum positive score'))
    .addOption(new Option('--relative-margin <r>', 'drop candidates with score > pos - |pos| * r (0.05 = NV-Retriever TopK-PercPos 95%)'))
    .addOption(new Option('--min-score <s>', 'drop candidates scoring below s'))
    .addOption(new Option('--max-score <s>', 'drop candidates scoring above s'))
    .addOption(
      new Option(
        '--exclusions <mode>',
        "what is never a negative: strict = positives by id, a positive's or the query's normalized text, near-duplicates of a positive (--dup-threshold), repeated texts; st = only what sentence-transformers masks (positives by id and exact text)",
      )
        .choices(['strict', 'st'])
        .default('strict'),
    )
    .addOption(new Option('--dup-threshold <cos>', 'strict exclusions: drop candidates with cosine >= this to a positive (near-duplicates); 1 turns it off').default('0.98'))
    .addOption(new Option('--given-negatives <how>', 'negatives in the input: merge = keep them and mine --num-negatives more, keep = use them and mine only queries without any, replace = ignore them').choices(['keep', 'merge', 'replace']).default('merge'))
    .addOption(new Option('--ce-candidates <n>', 'candidates rescored by the cross-encoder (default: the whole window)'))
    .addOption(new Option('--ce-max-score <p>', 'drop candidates the cross-encoder scores at or above p'))
    .addOption(new Option('--relabel', 'candidates scoring at least the minimum positive become extra positives'))
    .addOption(new Option('--index <factory>', "FAISS factory string (e.g. HNSW32, 'IVF4096,Flat'); default exact inner product through onnxruntime"))
    .addOption(new Option('--nprobe <n>', 'IVF lists probed per query (IVF indexes only; default round(sqrt(nlist)))'))
    .addOption(new Option('--ef-search <n>', 'HNSW search depth (HNSW indexes only)'))
    .addOption(new Option('--save-index <dir>', 'write the FAISS index, row-id map and fingerprint'))
    .addOption(new Option('--load-index <dir>', 'reuse an index written by --save-index when model, tokenizer, settings and corpus contents match (its factory unless --index is given)'))
    .addOption(new Option('--cache-dir <dir>', 'keep corpus and query embeddings for reruns (keyed on model and tokenizer bytes, settings and texts; checksummed, corrupt entries recomputed)'))
    .addOption(new Option('--work-dir <dir>', 'keep the run\'s state in chunks (vectors, hits, cross-encoder scores, output parts): the same command resumes after a kill; changed settings recompute only the stages they affect'))
    .addOption(new Option('--chunk-rows <n>', 'queries or corpus rows per work-directory chunk (query blocks hold at most 1024)').default('16384'))
    .addOption(new Option('--stats-json <file>', 'write the statistics as JSON'));
}
