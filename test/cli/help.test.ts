import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainStderr, runCli } from '../helpers/cli.ts';

describe('help', () => {
  it('help shows defaults as typed, without JSON quotes, for every command', async () => {
    for (const command of ['mine', 'embed', 'inspect', 'doctor']) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /\(default: "/, command);
      assert.match(result.stdout, /\(default: [^")]+\)/, command);
    }
    const mine = await runCli(['mine', '--help']);
    assert.match(mine.stdout, /--num-negatives <n>\s+negatives per query \(default: 3\)/);
    assert.match(mine.stdout, /--exclusions <mode>[\s\S]*?sentence-transformers[\s\S]*?default:\s+strict\)/);
  });

  it('help: mine has no --normalize (mining always normalizes), embed keeps it', async () => {
    const mine = await runCli(['mine', '--normalize', '--beir', '.', '-o', 'x.jsonl']);
    assert.equal(mine.code, 2);
    assert.match(plainStderr(mine), /unknown option '--normalize'/);
    const embed = await runCli(['embed', '--help']);
    assert.match(embed.stdout, /--normalize/);
  });
});
