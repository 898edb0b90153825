import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, EXIT_CODES, NegmineError, errorMessage, escapeControl } from '../../src/core/errors.ts';

describe('errors', () => {
  it('errors map usage, input and model-mismatch codes to exit 2, retryable ones to 75 and the rest to 1', () => {
    const usage = new Set(['E_USAGE', 'E_INPUT_SCHEMA', 'E_INPUT_PARSE', 'E_MODEL_MISMATCH']);
    const retryable = new Set(['E_IO', 'E_NETWORK', 'E_RATE_LIMIT']);
    for (const code of ERROR_CODES) {
      const error = new NegmineError(code, 'x');
      assert.equal(error.retryable, retryable.has(code), code);
      assert.equal(error.exitCode, usage.has(code) ? EXIT_CODES.usage : retryable.has(code) ? EXIT_CODES.retryable : EXIT_CODES.failure, code);
    }
  });

  it('escapeControl makes terminal escapes, NUL and line breaks visible', () => {
    assert.equal(escapeControl('a\u001b[31mred\u0000\nb\u009bc\u2028'), 'a\\x1b[31mred\\x00\\nb\\x9bc\\u2028');
    assert.equal(escapeControl('plain text é'), 'plain text é');
  });

  it('errors keep the cause and print no stack in errorMessage', () => {
    const cause = new Error('inner');
    const error = new NegmineError('E_IO', "Cannot write 'out.jsonl': disk full", { cause });
    assert.equal(error.cause, cause);
    assert.equal(errorMessage(error), "Cannot write 'out.jsonl': disk full");
    assert.equal(errorMessage('plain'), 'plain');
  });
});
