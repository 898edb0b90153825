import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hostTag, negmineTempOwner, removeStaleTemps, tempPathFor } from '../../src/io/stale-temp.ts';
import { tempDir } from '../helpers/temp.ts';

describe('stale temp', () => {
  it('stale temp names carry pid and host and parse back, whatever the final name', () => {
    const temp = path.basename(tempPathFor('/data/out_v2-final.jsonl'));
    assert.match(temp, /^\.negmine-tmp-[0-9a-f]{12}-\d+@[A-Za-z0-9.-]+_out_v2-final\.jsonl$/);
    assert.deepEqual(negmineTempOwner(temp), { pid: process.pid, host: hostTag() });
    assert.equal(negmineTempOwner('.negmine-tmp-0123456789ab-out.jsonl'), undefined, 'old names without a pid are left alone');
    assert.equal(negmineTempOwner('out.jsonl'), undefined);
  });

  it('stale temp removal takes only dead processes of this host', async () => {
    const dir = tempDir();
    const dead = `.negmine-tmp-aaaaaaaaaaaa-999999999@${hostTag()}_a.jsonl`;
    const live = path.basename(tempPathFor(path.join(dir, 'b.jsonl')));
    const foreign = '.negmine-tmp-bbbbbbbbbbbb-999999999@elsewhere_c.jsonl';
    for (const name of [dead, live, foreign, 'keep.jsonl']) writeFileSync(path.join(dir, name), '');
    mkdirSync(path.join(dir, `.negmine-tmp-cccccccccccc-999999999@${hostTag()}_idx`));
    const removed = await removeStaleTemps(dir);
    assert.deepEqual(removed.sort(), [dead, `.negmine-tmp-cccccccccccc-999999999@${hostTag()}_idx`].sort());
    assert.deepEqual(readdirSync(dir).sort(), [foreign, live, 'keep.jsonl'].sort());
    assert.deepEqual(await removeStaleTemps(path.join(dir, 'missing')), []);
  });
});
