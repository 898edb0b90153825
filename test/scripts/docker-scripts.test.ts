import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, runProcess } from '../helpers/cli.ts';

const CHECK = path.join(REPO_ROOT, 'scripts', 'docker', 'check-cuda-libs.sh');
const ORT_LIB = path.join(REPO_ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1');

// Builds libneeds.so linked against libgone.so, then deletes libgone.so: ldd reports it "not found".
function libraryWithMissingDependency(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'negmine-ldd-'));
  writeFileSync(path.join(dir, 'gone.c'), 'int gone(void) { return 1; }\n');
  writeFileSync(path.join(dir, 'needs.c'), 'int gone(void);\nint needs(void) { return gone(); }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', path.join(dir, 'libgone.so'), path.join(dir, 'gone.c')]);
  execFileSync('gcc', ['-shared', '-fPIC', '-o', path.join(dir, 'libneeds.so'), path.join(dir, 'needs.c'), `-L${dir}`, '-lgone']);
  execFileSync('rm', [path.join(dir, 'libgone.so')]);
  return path.join(dir, 'libneeds.so');
}

describe('docker scripts', () => {
  it('check-cuda-libs passes when every linked library resolves', async () => {
    const result = await runProcess('bash', [CHECK, ORT_LIB]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /all linked libraries resolve/);
  });

  it('check-cuda-libs fails and names an unresolved library', async () => {
    const result = await runProcess('bash', [CHECK, ORT_LIB, libraryWithMissingDependency()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /libneeds\.so: unresolved: libgone\.so/);
  });

  it('check-cuda-libs fails when the CUDA provider is not installed', async () => {
    const result = await runProcess('bash', [CHECK, '/nonexistent/libonnxruntime_providers_cuda.so']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing \(install with ONNXRUNTIME_NODE_INSTALL=cuda12\)/);
  });

  it('lint-dockerfile accepts the project Dockerfile and rejects a broken one', async () => {
    const ok = await runProcess(process.execPath, [path.join(REPO_ROOT, 'scripts', 'lint-dockerfile.js'), path.join(REPO_ROOT, 'Dockerfile')]);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'negmine-docker-')), 'Dockerfile');
    writeFileSync(bad, 'FROM ubuntu:24.04\nCMD ["a"]\nCMD [\'b\']\n');
    const failed = await runProcess(process.execPath, [path.join(REPO_ROOT, 'scripts', 'lint-dockerfile.js'), bad]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Dockerfile:2: error: .*one CMD/);
  });

  it('apt-install refuses to run without packages', async () => {
    const result = await runProcess('bash', [path.join(REPO_ROOT, 'scripts', 'docker', 'apt-install.sh')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: apt-install\.sh PACKAGE/);
  });
});
