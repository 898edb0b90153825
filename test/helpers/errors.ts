import assert from 'node:assert/strict';
import { NegmineError } from '../../src/core/errors.ts';

/** An assert.throws / assert.rejects validator: a NegmineError with this code and a message matching the pattern. */
export function negmineError(code: string, message: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof NegmineError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}
