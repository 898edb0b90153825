import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, runProcess } from '../helpers/cli.ts';

describe('build-faiss-node', () => {
  it('build-faiss-node is a no-op once the addon loads', async () => {
    const result = await runProcess('bash', [path.join(REPO_ROOT, 'scripts', 'build-faiss-node.sh')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /faiss-node loads; nothing to do/);
    assert.doesNotMatch(result.stderr, /compiling/);
  });
});
