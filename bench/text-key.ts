/**
 * normalizedTextKey (src/mine/normalize-text.ts) against its full definition (NFKC, lower case, whitespace collapsed,
 * trimmed) on every msmarco-5k passage, interleaved rounds in one process; prints microseconds per text (median).
 *
 * Run: node --import tsx bench/text-key.ts [--rounds 9]
 */
import { parseArgs } from 'node:util';
import { normalizedTextKey } from '../src/mine/normalize-text.ts';
import { loadBeir, passageOf } from './lib/msmarco.ts';
import { machine, median, result } from './lib/report.ts';

function fullDefinition(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const texts = loadBeir().corpus.map(passageOf);
const arms = [['full definition', fullDefinition], ['normalizedTextKey', normalizedTextKey]] as const;
const times = new Map<string, number[]>(arms.map(([name]) => [name, []]));
for (let round = 0; round < Number(values.rounds); round += 1) {
  for (const [name, key] of arms) {
    const started = performance.now();
    let length = 0;
    for (const text of texts) length += key(text).length;
    times.get(name)?.push(((performance.now() - started) * 1000) / texts.length);
    if (length === 0) throw new Error('no text');
  }
}
const [full, fast] = arms.map(([name]) => median(times.get(name) ?? []));
result(`# text key: ${texts.length} msmarco-5k passages, ${values.rounds} interleaved rounds, ${machine()}`);
result(`full definition ${(full ?? 0).toFixed(2)} us/text, normalizedTextKey ${(fast ?? 0).toFixed(2)} us/text, speed-up x${((full ?? 0) / (fast ?? 1)).toFixed(2)}`);
