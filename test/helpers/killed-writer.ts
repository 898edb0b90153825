// Child process for the stale-temp tests: opens an output writer, writes a row, says "ready" once the row's bytes
// are in the temp file (the file stream buffers writes) and waits to be killed.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTableWriter } from '../../src/io/output/open-table-writer.ts';

const output = process.argv[2];
if (output === undefined) throw new Error('usage: killed-writer.ts OUTPUT');
const ROW_BYTES = 1 << 16;
const writer = await openTableWriter(output, [{ name: 'query', type: 'string' }]);
await writer.write([{ query: 'x'.repeat(ROW_BYTES) }]);
const dir = path.dirname(output);
const written = (): boolean => readdirSync(dir).some((name) => name.startsWith('.negmine-tmp-') && statSync(path.join(dir, name)).size >= ROW_BYTES);
while (!written()) await sleep(5);
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
