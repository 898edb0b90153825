import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { NegmineError } from '../../src/core/errors.ts';
import { packEncodings, unpackEncodings } from '../../src/model/encodings.ts';
import { TextTokenizer } from '../../src/model/tokenizer.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { tempFiles } from '../helpers/temp.ts';

const BERT = path.join(REPO_ROOT, 'fixtures', 'models', 'tokenizer.json');

function special(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

// A tiny XLM-R-style tokenizer: Unigram model, Metaspace pre-tokenizer, RobertaProcessing (<s> q </s></s> p </s>).
const UNIGRAM = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>')],
  normalizer: null,
  pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true },
  decoder: null,
  model: {
    type: 'Unigram',
    unk_id: 3,
    vocab: [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁hello', -1], ['▁world', -1], ['▁', -2], ['h', -3], ['e', -3], ['l', -3], ['o', -3]],
    byte_fallback: false,
  },
};

// A tiny byte-level BPE tokenizer (GPT-2 style).
const BPE = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: null,
  decoder: null,
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { l: 0, o: 1, w: 2, lo: 3, low: 4, 'Ġ': 5, 'Ġlow': 6 }, merges: ['l o', 'lo w', 'Ġ low'] },
};

describe('tokenizer', () => {
  it('tokenizer encodes BERT WordPiece with [CLS]/[SEP] and pairs with token type ids', async () => {
    const tokenizer = TextTokenizer.fromFile(BERT, 512);
    const [single] = await tokenizer.encode(['brown fox jumps over the lazy dog']);
    assert.deepEqual([...(single?.ids ?? [])], [101, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102]);
    const [pair] = await tokenizer.encodePairs([['a query', 'a passage']]);
    assert.deepEqual([...(pair?.ids ?? [])], [101, 1037, 23032, 102, 1037, 6019, 102]);
    assert.deepEqual([...(pair?.typeIds ?? [])], [0, 0, 0, 0, 1, 1, 1]);
  });

  it('tokenizer truncates to the max length and never pads', async () => {
    const tokenizer = TextTokenizer.fromFile(BERT, 5);
    const encodings = await tokenizer.encode(['one two three four five six seven', 'one']);
    assert.deepEqual(encodings.map((e) => e.ids.length), [5, 3]);
    const [pair] = await tokenizer.encodePairs([['short', 'a much longer passage that must be cut']]);
    assert.equal(pair?.ids.length, 5);
  });

  const shared = sharedDataDir();
  it('tokenizer loads the legacy tokenizer.json format without model.type', { skip: shared === undefined && 'shared data not found' }, async () => {
    const tokenizer = TextTokenizer.fromFile(path.join(shared ?? '', 'tokenizers', 'bert-base-uncased.legacy.tokenizer.json'), 512);
    const [encoded] = await tokenizer.encode(['brown fox jumps over the lazy dog']);
    assert.deepEqual([...(encoded?.ids ?? [])], [101, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102]);
  });

  it('tokenizer loads a Unigram tokenizer and encodes pairs as <s> q </s></s> p </s>', async () => {
    const dir = tempFiles({ 'tokenizer.json': JSON.stringify(UNIGRAM) });
    const tokenizer = TextTokenizer.fromFile(path.join(dir, 'tokenizer.json'), 64);
    const [single] = await tokenizer.encode(['hello world']);
    assert.deepEqual([...(single?.ids ?? [])], [0, 4, 5, 2]);
    const [pair] = await tokenizer.encodePairs([['hello', 'world']]);
    assert.deepEqual([...(pair?.ids ?? [])], [0, 4, 2, 2, 5, 2]);
  });

  it('tokenizer loads a byte-level BPE tokenizer', async () => {
    const dir = tempFiles({ 'tokenizer.json': JSON.stringify(BPE) });
    const [encoded] = await TextTokenizer.fromFile(path.join(dir, 'tokenizer.json'), 64).encode(['low low']);
    assert.deepEqual([...(encoded?.ids ?? [])], [4, 6]);
  });

  it('tokenizer keeps input order over many slices of native calls', async () => {
    const tokenizer = TextTokenizer.fromFile(BERT, 512);
    const texts = Array.from({ length: 1300 }, (_, i) => 'water '.repeat((i % 7) + 1));
    const encodings = await tokenizer.encode(texts);
    assert.deepEqual(
      encodings.map((e) => e.ids.length),
      texts.map((_, i) => (i % 7) + 3),
    );
    const pairs = await tokenizer.encodePairs(texts.map((text, i) => [text, 'ice '.repeat(i % 5)] as const));
    assert.deepEqual(
      pairs.map((e) => e.ids.length),
      texts.map((_, i) => (i % 7) + 1 + (i % 5) + 3),
    );
  });

  it('tokenizer encodings pack into three flat arrays and unpack to the same ids', async () => {
    const tokenizer = TextTokenizer.fromFile(BERT, 512);
    const encodings = await tokenizer.encodePairs([['a query', 'a passage'], ['', ''], ['ice', 'water boils at sea level']]);
    const packed = packEncodings(encodings);
    assert.deepEqual([...packed.lengths], encodings.map((e) => e.ids.length));
    assert.equal(packed.ids.length, packed.typeIds.length);
    const unpacked = unpackEncodings(packed);
    assert.deepEqual(unpacked.map((e) => [...e.ids]), encodings.map((e) => [...e.ids]));
    assert.deepEqual(unpacked.map((e) => [...e.typeIds]), encodings.map((e) => [...e.typeIds]));
    assert.deepEqual(unpackEncodings(packEncodings([])), []);
  });

  it('tokenizer reports an unreadable tokenizer.json as E_MODEL_LOAD', () => {
    const dir = tempFiles({ 'tokenizer.json': '{"not": "a tokenizer"}' });
    assert.throws(() => TextTokenizer.fromFile(path.join(dir, 'tokenizer.json'), 8), (error: unknown) => error instanceof NegmineError && error.code === 'E_MODEL_LOAD' && error.message.startsWith('Cannot load tokenizer'));
  });

  it('tokenizer cuts long texts before tokenizing without changing the first max-length tokens, pairs included', async () => {
    const unigram = path.join(tempFiles({ 'tokenizer.json': JSON.stringify(UNIGRAM) }), 'tokenizer.json');
    const bpe = path.join(tempFiles({ 'tokenizer.json': JSON.stringify(BPE) }), 'tokenizer.json');
    const cases = [
      { file: BERT, text: Array.from({ length: 2_000 }, (_, i) => ['solar', 'panels', 'turn', 'sunlight', 'into', 'electricity,', 'tides\n', 'moon'][(i * 7) % 8]).join(' ') },
      // Few tokens per character at first: the cut must widen until it holds max-length tokens.
      { file: BERT, text: `${'x'.repeat(90)} `.repeat(200) + 'water '.repeat(1_000) },
      { file: unigram, text: 'hello world  '.repeat(1_000) },
      { file: bpe, text: 'low  low\tlow '.repeat(1_000) },
    ];
    for (const { file, text } of cases) {
      for (const maxLength of [16, 128]) {
        const reference = Tokenizer.fromFile(file);
        reference.disablePadding();
        reference.setTruncation(maxLength);
        const tokenizer = TextTokenizer.fromFile(file, maxLength);
        const [single] = await tokenizer.encode([text]);
        assert.deepEqual([...(single?.ids ?? [])], (await reference.encode(text)).getIds(), `${path.basename(path.dirname(file))} single, max ${maxLength}`);
        for (const [first, second] of [[text, text], ['short query', text], [text, 'short passage']] as const) {
          const [pair] = await tokenizer.encodePairs([[first, second]]);
          assert.deepEqual([...(pair?.ids ?? [])], (await reference.encode(first, second)).getIds(), `pair, max ${maxLength}`);
        }
      }
    }
  });
});
