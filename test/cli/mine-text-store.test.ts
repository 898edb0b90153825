import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const CRAFTED = path.join(REPO_ROOT, 'fixtures', 'data', 'mine-crafted');
const MODEL = path.join(REPO_ROOT, 'fixtures', 'models', 'bi-encoder');
const BASE = ['mine', '--beir', CRAFTED, '--device', 'cpu', '--range-max', '20', '--dup-threshold', '0.9'];

/** The text store file the run named in its read event. */
function storeOf(stderr: string): string {
  const event = logEvents({ stderr }).find((e) => e['stage'] === 'read' && e['event'] === 'stage_end');
  const store = event?.['textStore'];
  assert.equal(typeof store, 'string', stderr);
  return store as string;
}

describe('mine text store', () => {
  it('mine text store lives beside the output while reading and is gone after success', async () => {
    const dir = tempDir();
    const output = path.join(dir, 'out.jsonl');
    const result = await runCli([...BASE, '--model', MODEL, '-o', output]);
    assert.equal(result.code, 0, result.stderr);
    const store = storeOf(result.stderr);
    assert.equal(path.dirname(path.dirname(store)), dir);
    assert.match(path.basename(path.dirname(store)), /^\.negmine-tmp-[0-9a-f]{12}-\d+@/);
    assert.equal(existsSync(store), false);
    assert.deepEqual(readdirSync(dir), ['out.jsonl']);
    assert.ok(readFileSync(output, 'utf8').length > 0);
  });

  it('mine text store is gone after an error exit, and with -o - it lives in the OS temp folder', async () => {
    const dir = tempDir();
    const failed = await runCli([...BASE, '--model', path.join(dir, 'no-such-model'), '-o', path.join(dir, 'out.jsonl')]);
    assert.notEqual(failed.code, 0);
    assert.equal(plainStderr(failed).trim().split('\n').length, 1, failed.stderr);
    assert.equal(existsSync(storeOf(failed.stderr)), false);
    assert.deepEqual(readdirSync(dir), []);

    const tmp = tempDir();
    const streamed = await runCli([...BASE, '--model', MODEL, '-o', '-'], { env: { TMPDIR: tmp } });
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(path.dirname(path.dirname(storeOf(streamed.stderr))), tmp);
    assert.ok(streamed.stdout.length > 0);
    // Other libraries may write their own files into TMPDIR; none of negmine's temps stay.
    assert.deepEqual(readdirSync(tmp).filter((name) => name.startsWith('.negmine-tmp-')), []);
  });
});
