import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NegmineError } from '../../../src/core/errors.ts';
import { formatModelId, isCommitHash, isLocalModelPath, parseModelId } from '../../../src/io/hub/model-id.ts';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

describe('model-id', () => {
  it('parseModelId defaults the revision to main', () => {
    assert.deepEqual(parseModelId('sentence-transformers/all-MiniLM-L6-v2'), { repoId: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' });
  });

  it('parseModelId reads branches, tags, PR refs and commit hashes after @', () => {
    assert.deepEqual(parseModelId('BAAI/bge-small-en-v1.5@v1.0'), { repoId: 'BAAI/bge-small-en-v1.5', revision: 'v1.0' });
    assert.deepEqual(parseModelId('intfloat/e5-small-v2@refs/pr/3'), { repoId: 'intfloat/e5-small-v2', revision: 'refs/pr/3' });
    assert.deepEqual(parseModelId(`cross-encoder/ms-marco-MiniLM-L6-v2@${COMMIT}`), { repoId: 'cross-encoder/ms-marco-MiniLM-L6-v2', revision: COMMIT });
    assert.equal(isCommitHash(COMMIT), true);
    assert.equal(isCommitHash('main'), false);
    assert.equal(isCommitHash(COMMIT.slice(1)), false);
  });

  it('parseModelId rejects malformed ids with E_USAGE naming the value and the expected form', () => {
    const bad = ['', 'gpt2', 'a/b/c', '/abs/path', 'org/', '/name', 'org/na me', 'org/-name', 'org/name-', 'org/na--me', 'org/na..me', 'org/name@', 'org/name@a..b', 'org/name@/x', 'org/name@x/', 'org/name@a b'];
    for (const value of bad) {
      assert.throws(
        () => parseModelId(value),
        (error: unknown) => {
          assert.ok(error instanceof NegmineError, value);
          assert.equal(error.code, 'E_USAGE');
          assert.ok(error.message.includes(`'${value}'`), error.message);
          assert.ok(error.message.includes("expected 'org/name' or 'org/name@revision'"), error.message);
          return true;
        },
      );
    }
  });

  it('formatModelId omits the default revision', () => {
    assert.equal(formatModelId({ repoId: 'a/b', revision: 'main' }), 'a/b');
    assert.equal(formatModelId({ repoId: 'a/b', revision: 'v2' }), 'a/b@v2');
  });

  it('isLocalModelPath treats explicit paths and existing paths as local', () => {
    const nothingExists = (): boolean => false;
    for (const value of ['./model', '../model', '/opt/model', '~/models/x', '.', 'C:\\models\\x']) assert.equal(isLocalModelPath(value, nothingExists), true, value);
    assert.equal(isLocalModelPath('org/name', nothingExists), false);
    assert.equal(isLocalModelPath('org/name', (path) => path === 'org/name'), true);
    assert.equal(isLocalModelPath('fixtures'), true);
  });
});
