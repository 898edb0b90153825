import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cli.ts';

function startChild(tempFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'helpers', 'interruptible.ts'), tempFile], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      resolve(code);
    });
  });
  return { child, ready, exited, stderr: () => stderr };
}

describe('shutdown', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`shutdown on ${signal} runs cleanups, logs one JSON line and exits 130`, async () => {
      const tempFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'negmine-shutdown-')), 'partial.tmp');
      const run = startChild(tempFile);
      await run.ready;
      assert.ok(existsSync(tempFile));
      run.child.kill(signal);
      assert.equal(await run.exited, 130);
      assert.equal(existsSync(tempFile), false, 'cleanup removed the temp file');
      const lines = run.stderr().trim().split('\n');
      assert.equal(lines.length, 1);
      const event = JSON.parse(lines[0] ?? '') as { event: string; signal: string; level: number };
      assert.equal(event.event, 'interrupted');
      assert.equal(event.signal, signal);
    });
  }
});
