import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildManifest, invalidation, manifestProblem, STAGES, type StageName, type StageSpec } from '../../src/workdir/manifest.ts';

function specs(change: Partial<Record<StageName, Record<string, string | number | null>>> = {}): Record<StageName, StageSpec> {
  const base: Record<StageName, StageSpec> = {
    read: { settings: { 'sha256 --data': 'd1' }, after: [], chunks: 0 },
    'embed-corpus': { settings: { modelSha256: 'm1', prefix: '' }, after: ['read'], chunks: 3 },
    'embed-queries': { settings: { modelSha256: 'm1', prefix: 'query: ' }, after: ['read'], chunks: 1 },
    search: { settings: { index: 'exact', rangeMax: 20 }, after: ['embed-corpus', 'embed-queries'], chunks: 2 },
    rerank: { settings: { crossEncoder: 'c1' }, after: ['search'], chunks: 2 },
    select: { settings: { relativeMargin: 0.05, numNegatives: 3 }, after: ['search', 'rerank'], chunks: 0 },
    write: { settings: { layout: 'triplet' }, after: ['select'], chunks: 2 },
  };
  for (const [stage, settings] of Object.entries(change)) base[stage as StageName] = { ...base[stage as StageName], settings: { ...base[stage as StageName].settings, ...settings } };
  return base;
}

describe('manifest', () => {
  it('manifest invalidates the changed stage and everything downstream of it, naming the setting', () => {
    const before = buildManifest(16, specs());
    const cases: { change: Partial<Record<StageName, Record<string, string | number | null>>>; stages: StageName[]; changed: string[] }[] = [
      { change: {}, stages: [], changed: [] },
      { change: { select: { relativeMargin: 0.1 } }, stages: ['select', 'write'], changed: ['select.relativeMargin'] },
      { change: { write: { layout: 'n-tuple' } }, stages: ['write'], changed: ['write.layout'] },
      { change: { rerank: { crossEncoder: 'c2' } }, stages: ['rerank', 'select', 'write'], changed: ['rerank.crossEncoder'] },
      { change: { 'embed-queries': { prefix: 'q: ' } }, stages: ['embed-queries', 'search', 'rerank', 'select', 'write'], changed: ['embed-queries.prefix'] },
      { change: { read: { 'sha256 --data': 'd2' } }, stages: [...STAGES], changed: ['read.sha256 --data'] },
      { change: { search: { rangeMax: null } }, stages: ['search', 'rerank', 'select', 'write'], changed: ['search.rangeMax'] },
    ];
    for (const { change, stages, changed } of cases) {
      assert.deepEqual(invalidation(before, buildManifest(16, specs(change))), { stages, changed }, JSON.stringify(change));
    }
    const rechunked = invalidation(before, buildManifest(32, specs()));
    assert.deepEqual(rechunked, { stages: [...STAGES], changed: ['chunkRows'] });
  });

  it('manifest keys do not depend on the order settings are listed in', () => {
    const a = buildManifest(8, specs());
    const reordered = specs();
    reordered.select = { ...reordered.select, settings: { numNegatives: 3, relativeMargin: 0.05 } };
    assert.equal(buildManifest(8, reordered).stages.write.key, a.stages.write.key);
  });

  it('manifest parsed back is accepted; other JSON is refused with the reason', () => {
    assert.equal(manifestProblem(JSON.parse(JSON.stringify(buildManifest(8, specs())))), undefined);
    assert.match(manifestProblem({ tool: 'negmine', format: 99 }) ?? '', /format 99/);
    assert.match(manifestProblem({ name: 'package' }) ?? '', /not a negmine manifest/);
    assert.match(manifestProblem([1]) ?? '', /not a negmine manifest/);
  });
});
