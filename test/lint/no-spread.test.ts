import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The project's own eslint.config.js, through ESLint's Node API: spreading an array into call or constructor
// arguments puts every element on the stack (Math.max(...xs) throws RangeError past about 125k elements on Node 20).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULE = 'no-restricted-syntax';

const SPREAD = `export function widest(xs: readonly number[], into: number[]): number {
  into.push(...xs);
  const set = new Set(...[xs]);
  return Math.max(...xs) + set.size;
}
`;

const LOOPS = `export function widest(xs: readonly number[], into: number[]): number {
  for (const x of xs) into.push(x);
  const copy = [...xs];
  const options = { ...{ a: 1 } };
  return xs.reduce((most, x) => Math.max(most, x), Number.NEGATIVE_INFINITY) + copy.length + options.a;
}
`;

// The snippets are linted as a new file in src/ under the project's config with type information turned off (the
// rule is syntactic; building the TypeScript program for a file not on disk would fail and take seconds).
async function spreadMessages(filePath: string, code: string): Promise<{ line: number; message: string }[]> {
  const eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
  assert.ok(result !== undefined);
  assert.equal(result.fatalErrorCount, 0, JSON.stringify(result.messages));
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => ({ line: m.line, message: m.message }));
}

describe('lint: no spread into arguments', () => {
  it('flags Math.max(...xs), arr.push(...xs) and new X(...xs) in src/ with a message that says why', async () => {
    const found = await spreadMessages('src/core/spread-check.ts', SPREAD);
    assert.deepEqual(found.map((m) => m.line), [2, 3, 4]);
    for (const { message } of found) assert.match(message, /overflows the stack.*use a loop/);
  });

  it('does not flag the loop, reduce, array-literal and object spreads that replace them', async () => {
    assert.deepEqual(await spreadMessages('src/core/spread-check.ts', LOOPS), []);
  });

  it('the rule is in force in src/, bench/, scripts/ and test/ with both selectors (no block overrides it)', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    for (const file of ['src/mine/select.ts', 'src/model/worker-runner.ts', 'bench/scale.ts', 'scripts/generate-working-models.ts', 'test/cli/mine.test.ts', 'eslint.config.js']) {
      const config = (await eslint.calculateConfigForFile(path.join(ROOT, file))) as { rules?: Record<string, unknown> };
      const rule = config.rules?.[RULE];
      assert.ok(Array.isArray(rule), `${file}: ${RULE} is off`);
      const selectors = (rule.slice(1) as { selector: string }[]).map((option) => option.selector);
      assert.ok(selectors.includes('CallExpression > SpreadElement') && selectors.includes('NewExpression > SpreadElement'), `${file}: ${selectors.join(', ')}`);
    }
  });
});
