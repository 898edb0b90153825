/**
 * Makes an experiment copy of the built CLI (bin/ + dist/ + package.json) with one small patch applied to the compiled JS, under
 * bench/.models/cli-variants/<name>/ (gitignored), so a proposed change to src/ can be measured end to end without
 * touching src/:  node --import tsx bench/mine-e2e.ts --cli bench/.models/cli-variants/<name>/bin/negmine.js
 * Bare imports still resolve to the repository's node_modules (Node walks up the folders).
 *
 * Run: node --import tsx bench/cli-variant.ts <name>      (names: see VARIANTS; fails if dist/ no longer matches)
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODELS_DIR, REPO_ROOT } from './generate-minilm.ts';

interface Patch {
  /** Relative to dist/. */
  file: string;
  find: string;
  replace: string;
}

const SESSION_OPTIONS = "graphOptimizationLevel: 'all', enableMemPattern: target.provider === 'cuda' };";

const VARIANTS: Record<string, { why: string; patches: Patch[] }> = {
  'no-prepack': {
    why: "sessionOptions(): session.disable_prepacking (onnxruntime keeps a packed copy of MatMul weights next to the originals)",
    patches: [{ file: 'model/execution-provider.js', find: SESSION_OPTIONS, replace: "graphOptimizationLevel: 'all', enableMemPattern: target.provider === 'cuda', extra: { session: { disable_prepacking: '1' } } };" }],
  },
  'gc-after-embed': {
    why: 'diagnostic: a full V8 GC right after the bi-encoder is released (run the child with --node-arg=--expose-gc)',
    patches: [{ file: 'pipeline/mine/mine-models.js', find: 'await biEncoder.made()?.release();', replace: 'await biEncoder.made()?.release(); globalThis.gc?.();' }],
  },
};

function main(): void {
  const name = process.argv[2] ?? '';
  const variant = VARIANTS[name];
  if (variant === undefined) throw new Error(`Unknown variant '${name}' (have: ${Object.keys(VARIANTS).join(', ')})`);
  const target = path.join(DEFAULT_MODELS_DIR, 'cli-variants', name);
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(REPO_ROOT, 'bin'), path.join(target, 'bin'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'dist'), path.join(target, 'dist'), { recursive: true });
  // dist/cli reads ../../package.json (name, version) and needs "type": "module" for bin/.
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(target, 'package.json'));
  for (const patch of variant.patches) {
    const file = path.join(target, 'dist', patch.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(patch.find)) throw new Error(`Cannot patch ${patch.file}: text not found (${patch.find}); rebuild dist/ or update the variant`);
    writeFileSync(file, text.replace(patch.find, patch.replace));
  }
  process.stderr.write(`${name}: ${variant.why}\n`);
  process.stdout.write(`${path.join(target, 'bin', 'negmine.js')}\n`);
}

main();
