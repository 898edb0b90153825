import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder for one test. */
export function tempDir(prefix = 'negmine-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files (name -> content) into a fresh temporary folder and returns its path. */
export function tempFiles(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** JSONL text from objects. */
export function jsonl(...rows: unknown[]): string {
  return jsonlRows(rows);
}

/** JSONL text from an array of objects (spreading a large array into jsonl(...) would overflow the stack). */
export function jsonlRows(rows: readonly unknown[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}
