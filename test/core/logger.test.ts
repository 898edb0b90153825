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

describe('logger pretty', () => {
  it('logger pretty prints one line per event with its short fields, never nested statistics', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'negmine-log-')), 'log.txt');
    const fd = openSync(file, 'w');
    const log = createLogger({ level: 'info', pretty: true, fd, colorize: false });
    const scores = { positive: { count: 4102, mean: 0.5 }, negative: { count: 12303, mean: 0.3 } };
    log.info({ event: 'stats', queries: 43, negatives: 129, rows: 43, scores, settings: { numNegatives: 3 }, read: { files: ['a.jsonl'] } }, 'mining finished');
    log.warn({ event: 'device_fallback', using: 'cpu', reason: 'x'.repeat(400) }, 'CUDA unavailable, running on CPU');
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /INFO.*mining finished \(queries=43, negatives=129, rows=43\)$/);
    assert.match(lines[1] ?? '', /WARN.*CUDA unavailable, running on CPU \(using=cpu\)$/);
    assert.ok((lines[1] ?? '').length < 120);
  });
});
