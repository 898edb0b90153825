import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/core/logger.ts';

describe('logger', () => {
  it('logger writes structured JSON lines at or above its level to the given fd', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'negmine-log-')), 'log.jsonl');
    const fd = openSync(file, 'w');
    const log = createLogger({ level: 'info', pretty: false, fd });
    log.child({ stage: 'embed' }).info({ event: 'stage_end', texts: 5000 }, 'embedded corpus');
    log.debug({ event: 'batch' }, 'dropped: below level');
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(entry['stage'], 'embed');
    assert.equal(entry['event'], 'stage_end');
    assert.equal(entry['texts'], 5000);
    assert.equal(entry['level'], 30);
    assert.equal(entry['name'], 'negmine');
  });
});
