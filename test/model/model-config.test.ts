import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import type { ModelFiles } from '../../src/core/model-files.ts';
import { biEncoderConfig, crossEncoderActivation, crossEncoderConfig, modelMaxLength } from '../../src/model/model-config.ts';

function files(overrides: Partial<ModelFiles>): ModelFiles {
  return {
    dir: 'm',
    onnxPath: 'm/model.onnx',
    onnxMapped: null,
    graph: null,
    tokenizerPath: 'm/tokenizer.json',
    modules: null,
    pooling: null,
    sentenceBertConfig: null,
    config: null,
    tokenizerConfig: null,
    sentenceTransformersConfig: null,
    ...overrides,
  };
}

describe('model config', () => {
  it('model config takes max_seq_length, then model_max_length, then max_position_embeddings', () => {
    assert.equal(modelMaxLength(files({ sentenceBertConfig: { max_seq_length: 256 }, tokenizerConfig: { model_max_length: 512 } })), 256);
    assert.equal(modelMaxLength(files({ tokenizerConfig: { model_max_length: 1e30 }, config: { max_position_embeddings: 514 } })), 514);
    assert.equal(modelMaxLength(files({})), 512);
  });

  it('model config reads normalize from modules.json and prompts from config_sentence_transformers.json', () => {
    const config = biEncoderConfig(
      files({
        modules: [
          { type: 'sentence_transformers.models.Transformer', path: '' },
          { type: 'sentence_transformers.models.Pooling', path: '1_Pooling' },
          { type: 'sentence_transformers.models.Normalize', path: '2_Normalize' },
        ],
        pooling: { pooling_mode_cls_token: true },
        sentenceTransformersConfig: { prompts: { query: 'query: ', passage: 'passage: ' } },
      }),
    );
    assert.deepEqual(config, { pooling: ['cls'], normalize: true, maxLength: 512, prompts: { query: 'query: ', passage: 'passage: ' } });
  });

  it('model config falls back to mean pooling without a Pooling module and rejects unknown modes', () => {
    assert.deepEqual(biEncoderConfig(files({})).pooling, ['mean']);
    assert.throws(() => biEncoderConfig(files({ pooling: { pooling_mode: 'attention' } })), NegmineError);
  });

  it('model config counts cross-encoder labels from num_labels or id2label', () => {
    assert.equal(crossEncoderConfig(files({ config: { num_labels: 2 } })).numLabels, 2);
    assert.equal(crossEncoderConfig(files({ config: { id2label: { 0: 'LABEL_0' } } })).numLabels, 1);
    assert.equal(crossEncoderConfig(files({})).numLabels, 1);
  });

  it('model config reads the cross-encoder activation as sentence-transformers does, Sigmoid only as the default', () => {
    const activation = (config: Record<string, unknown>): string => crossEncoderActivation(files({ config })).activation;
    assert.equal(activation({ sentence_transformers: { activation_fn: 'torch.nn.modules.linear.Identity' }, sbert_ce_default_activation_function: 'torch.nn.modules.activation.Sigmoid' }), 'none');
    assert.equal(activation({ sbert_ce_default_activation_function: 'torch.nn.modules.linear.Identity' }), 'none');
    assert.equal(activation({ activation_fn: 'torch.nn.modules.activation.Tanh' }), 'tanh');
    assert.equal(activation({ sentence_transformers: { activation_fn: 'my_package.Scale' } }), 'sigmoid', 'untrusted paths are ignored');
    assert.equal(activation({}), 'sigmoid');
    assert.throws(() => activation({ sentence_transformers: { activation_fn: 'torch.nn.modules.activation.Softplus' } }), (error: unknown) => error instanceof NegmineError && error.code === 'E_MODEL_MISMATCH' && /Softplus.*--ce-activation/.test(error.message));
    assert.equal(crossEncoderConfig(files({ config: { sbert_ce_default_activation_function: 'torch.nn.modules.linear.Identity' } }), 'sigmoid').activation, 'sigmoid', 'the flag wins');
  });
});
