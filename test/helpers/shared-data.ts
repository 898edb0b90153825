import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

/** The workplace's shared real data (msmarco-5k, tokenizers): $NEGMINE_SHARED_DATA, ../shared/data, or /work/shared/data. */
export function sharedDataDir(): string | undefined {
  const candidates = [process.env['NEGMINE_SHARED_DATA'], path.join(REPO_ROOT, '..', 'shared', 'data'), '/work/shared/data'];
  return candidates.find((dir): dir is string => dir !== undefined && existsSync(path.join(dir, 'msmarco-5k', 'corpus.jsonl')));
}
