import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, logEvents, plainStderr, runCli } from '../helpers/cli.ts';

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('cli', () => {
  it('cli --version prints the package version on stdout', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, '');
  });

  it('cli --help lists every command and the exit codes', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['mine', 'inspect', 'embed', 'doctor']) assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    assert.match(result.stdout, /130\s+interrupted/);
    assert.equal(result.stderr, '');
  });

  it('cli with no arguments prints help on stderr and exits 2', async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Usage: negmine/);
  });

  it('cli rejects an unknown option with one line and exit 2', async () => {
    const result = await runCli(['doctor', '--no-such-flag']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^negmine: error: unknown option '--no-such-flag'/);
  });

  it('cli rejects an unknown command with a suggestion and exit 2', async () => {
    const result = await runCli(['doctr']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command 'doctr'/);
    assert.match(result.stderr, /doctor/);
  });

  it('cli rejects an invalid --log-level with exit 2', async () => {
    const result = await runCli(['--log-level', 'loud', 'doctor']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--log-level.*loud/);
  });

  for (const [command, args] of [['mine', ['-o', 'out.jsonl']], ['inspect', []], ['embed', ['-o', 'v.npy']]] as const) {
    it(`cli ${command} without any input says what to give and exits 2`, async () => {
      const result = await runCli([command, ...args]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.equal(plainStderr(result), 'negmine: error: no input: give --data FILE, or --queries FILE --qrels FILE --corpus FILE, or --beir DIR\n');
    });
  }

  it('cli errors log one JSON error event with the stable code, exit code and retryable flag, and none under --quiet', async () => {
    const result = await runCli(['inspect', '--data', '/no/such/file.jsonl']);
    assert.equal(result.code, 2);
    const errors = logEvents(result).filter((event) => event['event'] === 'error');
    assert.equal(errors.length, 1, result.stderr);
    assert.deepEqual({ code: errors[0]?.['code'], exitCode: errors[0]?.['exitCode'], retryable: errors[0]?.['retryable'] }, { code: 'E_INPUT_PARSE', exitCode: 2, retryable: false });
    const quiet = await runCli(['--quiet', 'inspect', '--data', '/no/such/file.jsonl']);
    assert.equal(quiet.stderr.trimEnd().split('\n').length, 1, quiet.stderr);
    assert.match(quiet.stderr, /^negmine: error: /);
  });

  it('cli error lines escape terminal escapes and NUL bytes taken from the input', async () => {
    const result = await runCli(['--quiet', 'inspect', '--data', '/no/such/\u001b[31mred\u0007.jsonl']);
    assert.equal(result.code, 2);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(result.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/u);
    assert.match(result.stderr, /\\x1b\[31mred\\x07/);
  });

  it('cli mine without -o names the missing option and exits 2', async () => {
    const result = await runCli(['mine', '--data', 'x.jsonl']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "negmine: error: required option '-o, --output <file>' not specified\n");
  });

  it('cli mine --help documents the mining flags', async () => {
    const result = await runCli(['mine', '--help']);
    assert.equal(result.code, 0);
    for (const flag of ['--num-negatives', '--range-min', '--relative-margin', '--cross-encoder', '--device', '--output', '--format']) {
      assert.ok(result.stdout.includes(flag), `missing ${flag}`);
    }
  });

  it('cli ends quietly with exit 0 when stdout is closed by its reader', async () => {
    for (const args of [['--help'], ['mine', '--help'], ['doctor', '--json']]) {
      const result = await runCli(args, { closeStdout: true });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, '', args.join(' '));
    }
  });
});
