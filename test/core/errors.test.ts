import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, EXIT_CODES, NegmineError, errorMessage } from '../../src/core/errors.ts';

describe('errors', () => {
  it('errors map usage and input codes to exit 2 and the rest to exit 1', () => {
    const usage = new Set(['E_USAGE', 'E_INPUT_SCHEMA', 'E_INPUT_PARSE']);
    for (const code of ERROR_CODES) {
      const error = new NegmineError(code, 'x');
      assert.equal(error.exitCode, usage.has(code) ? EXIT_CODES.usage : EXIT_CODES.failure, code);
    }
  });

  it('errors keep the cause and print no stack in errorMessage', () => {
    const cause = new Error('inner');
    const error = new NegmineError('E_IO', "Cannot write 'out.jsonl': disk full", { cause });
    assert.equal(error.cause, cause);
    assert.equal(errorMessage(error), "Cannot write 'out.jsonl': disk full");
    assert.equal(errorMessage('plain'), 'plain');
  });
});
