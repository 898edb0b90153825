import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import type { ModelFiles, OnnxGraph } from '../../src/core/model-files.ts';
import { readModelFiles } from '../../src/io/model-files.ts';
import { checkMaxLength, checkModelRole, checkVocabulary, positionLimit } from '../../src/model/model-fit.ts';
import { modelMaxLength } from '../../src/model/model-config.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const MODELS = path.join(REPO_ROOT, 'fixtures', 'models');

function files(config: Record<string, unknown> | null, graph: OnnxGraph | null): ModelFiles {
  return { dir: 'm', onnxPath: 'm/model.onnx', onnxMapped: null, graph, tokenizerPath: 'm/tokenizer.json', modules: null, pooling: null, sentenceBertConfig: null, config, tokenizerConfig: null, sentenceTransformersConfig: null };
}

function mismatch(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof NegmineError && error.code === 'E_MODEL_MISMATCH' && pattern.test(error.message);
}

// The tables of a BERT-style export, as Optimum names them.
const BERT_GRAPH: OnnxGraph = {
  inputs: [],
  outputs: [{ name: 'last_hidden_state', dims: ['batch_size', 'sequence_length', 384] }],
  initializers: [
    { name: 'embeddings.word_embeddings.weight', dims: [30522, 384] },
    { name: 'embeddings.position_embeddings.weight', dims: [512, 384] },
  ],
};

describe('model fit', () => {
  it('model fit accepts every fixture model in its role and names the mix-up in the other', async () => {
    for (const name of ['bi-encoder', 'bi-encoder-sentence-embedding', 'bi-encoder-nan', 'bi-encoder-slow']) {
      const model = await readModelFiles(path.join(MODELS, name));
      checkModelRole(model, 'bi-encoder');
      assert.throws(() => { checkModelRole(model, 'cross-encoder'); }, mismatch(/looks like a bi-encoder .*pass it with --model/), name);
    }
    for (const name of ['cross-encoder', 'cross-encoder-2class', 'cross-encoder-identity', 'cross-encoder-nan']) {
      const model = await readModelFiles(path.join(MODELS, name));
      checkModelRole(model, 'cross-encoder');
      assert.throws(() => { checkModelRole(model, 'bi-encoder'); }, mismatch(/looks like a cross-encoder .*pass it with --cross-encoder/), name);
    }
  });

  it('model fit refuses a classifier with more than two labels as a cross-encoder', () => {
    const nli = files(null, { inputs: [], outputs: [{ name: 'logits', dims: ['batch_size', 3] }], initializers: [] });
    assert.throws(() => { checkModelRole(nli, 'cross-encoder'); }, mismatch(/outputs 'logits' \[batch_size, 3\]; negmine scores models with a \[batch, 1\] logit or \[batch, 2\] classes/));
  });

  it('model fit reads the embedding tables from the graph when config.json has no sizes', () => {
    const model = files(null, BERT_GRAPH);
    assert.deepEqual(positionLimit(model)?.limit, 512);
    assert.throws(() => { checkMaxLength(model, 513, '--max-length'); }, mismatch(/--max-length 513 is beyond the 512 token positions .*position table 'embeddings\.position_embeddings\.weight'/));
    checkMaxLength(model, 512, '--max-length');
    assert.throws(() => { checkVocabulary(model, 250_002); }, mismatch(/has 250002 tokens but model 'm' embeds only 30522 \(the 30522-row embedding table/));
    checkVocabulary(model, 30_522);
  });

  it('model fit counts RoBERTa positions after the padding offset and caps the default max length there', () => {
    const roberta = files({ model_type: 'xlm-roberta', max_position_embeddings: 514, pad_token_id: 1 }, null);
    assert.equal(positionLimit(roberta)?.limit, 512);
    assert.equal(modelMaxLength(roberta), 512);
    assert.throws(() => { checkMaxLength(roberta, 514, '--max-length'); }, mismatch(/beyond the 512 token positions/));
  });
});
