// Child process for the stale-temp tests: opens an output writer, writes a row, says "ready" and waits to be killed.
import { openTableWriter } from '../../src/io/output/open-table-writer.ts';

const output = process.argv[2];
if (output === undefined) throw new Error('usage: killed-writer.ts OUTPUT');
const writer = await openTableWriter(output, [{ name: 'query', type: 'string' }]);
await writer.write([{ query: 'x'.repeat(1 << 16) }]);
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
