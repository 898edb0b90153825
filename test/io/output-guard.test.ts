import assert from 'node:assert/strict';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NegmineError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { checkOutputs, type OutputPlan } from '../../src/io/output-guard.ts';
import { tempDir } from '../helpers/temp.ts';

function refusal(message: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof NegmineError && error.code === 'E_USAGE' && message.test(error.message);
}

describe('output guard', () => {
  it('output guard compares outputs with inputs by device and inode, whatever the spelling', async () => {
    const dir = tempDir();
    const rows = path.join(dir, 'rows.jsonl');
    writeFileSync(rows, '{}\n');
    linkSync(rows, path.join(dir, 'hard.jsonl'));
    symlinkSync(rows, path.join(dir, 'link.jsonl'));
    mkdirSync(path.join(dir, 'model', 'onnx'), { recursive: true });
    writeFileSync(path.join(dir, 'model', 'onnx', 'model.onnx'), 'x');
    const inputs = [
      { flag: '--data', path: rows },
      { flag: '--model', path: path.join(dir, 'model') },
    ];
    const cases: [string, RegExp][] = [
      [`${dir}/./rows.jsonl`, /^Refusing -o '.*\/\.\/rows\.jsonl': it is the input --data '.*rows\.jsonl'/],
      [path.join(dir, 'hard.jsonl'), /Refusing -o '.*hard\.jsonl': it is the input --data/],
      [path.join(dir, 'link.jsonl'), /Refusing -o '.*link\.jsonl': it is the input --data/],
      [path.join(dir, 'model', 'onnx', 'model.onnx'), /Refusing -o '.*model\.onnx': it is the input --model '.*onnx\/model\.onnx'/],
    ];
    for (const [output, message] of cases) {
      await assert.rejects(checkOutputs({ inputs, files: [{ flag: '-o', path: output }] }, silentLogger()), refusal(message), output);
    }
    await checkOutputs({ inputs, files: [{ flag: '-o', path: path.join(dir, 'new.jsonl') }, { flag: '--stats-json', path: '/dev/null' }] }, silentLogger());
  });

  it('output guard refuses two outputs naming one file and outputs or inputs inside a replaced folder', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'old.jsonl'), '');
    symlinkSync(path.join(dir, 'old.jsonl'), path.join(dir, 'alias.json'));
    mkdirSync(path.join(dir, 'sub'));
    const plans: [OutputPlan, RegExp][] = [
      [{ inputs: [], files: [{ flag: '-o', path: path.join(dir, 'out.jsonl') }, { flag: '--stats-json', path: path.join(dir, 'sub', '..', 'out.jsonl') }] }, /^Refusing --stats-json '.*': -o '.*out\.jsonl' names the same file$/],
      [{ inputs: [], files: [{ flag: '-o', path: path.join(dir, 'old.jsonl') }, { flag: '--stats-json', path: path.join(dir, 'alias.json') }] }, /Refusing --stats-json '.*alias\.json': -o '.*old\.jsonl' names the same file/],
      [{ inputs: [], files: [{ flag: '-o', path: path.join(dir, 'sub', 'out.jsonl') }], replacedFolders: [{ flag: '--save-index', path: path.join(dir, 'sub') }] }, /Refusing -o '.*sub\/out\.jsonl': it is inside --save-index/],
      [{ inputs: [{ flag: '--corpus', path: path.join(dir, 'old.jsonl') }], files: [], replacedFolders: [{ flag: '--save-index', path: dir }] }, /Refusing --save-index '.*': it holds the input --corpus/],
      [{ inputs: [], files: [], replacedFolders: [{ flag: '--save-index', path: path.join(dir, 'old.jsonl') }] }, /Cannot write --save-index '.*old\.jsonl': it exists and is not a folder/],
      [{ inputs: [], files: [], createdFolders: [{ flag: '--cache-dir', path: path.join(dir, 'old.jsonl', 'cache') }] }, /Cannot write --cache-dir '.*cache': '.*old\.jsonl' is not a folder/],
      [{ inputs: [], files: [{ flag: '--stats-json', path: path.join(dir, 'nope', 's.json') }] }, /Cannot write --stats-json '.*s\.json': folder '.*nope' does not exist/],
    ];
    for (const [plan, message] of plans) await assert.rejects(checkOutputs(plan, silentLogger()), refusal(message), message.source);
    // A new --save-index folder under a new --cache-dir parent is fine: both are created.
    await checkOutputs({ inputs: [], files: [], replacedFolders: [{ flag: '--save-index', path: path.join(dir, 'a', 'b') }], createdFolders: [{ flag: '--cache-dir', path: path.join(dir, 'c', 'd') }] }, silentLogger());
  });
});
