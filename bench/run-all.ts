/**
 * Runs the performance benchmarks in order (each in its own process, so memory and threads do not carry over):
 * model generation, build, embed, embed-scaling, static-embedding, cross-encoder, search, mine-e2e, select. Prints
 * each benchmark's output, then every RATIO line and growth figure. About 8 minutes on 2 idle cores before
 * static-embedding and select joined (each adds a few minutes); much longer when other work shares the cores (see the
 * load average printed).
 *
 * Run: npm run bench [-- --passages 1000 --repeat 3 --no-build --skip mine-e2e]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBenchModels, REPO_ROOT } from './generate-minilm.ts';
import { machine, progress, round, seconds } from './lib/report.ts';

const BENCHMARKS = ['embed', 'embed-scaling', 'static-embedding', 'cross-encoder', 'search', 'mine-e2e', 'select'] as const;
// These run the CLI from dist/, so the build comes first unless all of them are skipped.
const NEEDS_BUILD = ['mine-e2e', 'select'] as const;

/** Runs a command with stderr passed through; resolves with its stdout (also echoed) and exit code. */
function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      passages: { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '3' },
      'no-build': { type: 'boolean' },
      skip: { type: 'string', default: '' },
    },
  });
  const skipped = new Set(values.skip.split(',').filter((name) => name !== ''));
  const started = performance.now();
  process.stdout.write(`# negmine benchmarks, ${new Date().toISOString()}, ${machine()}\n`);
  await ensureBenchModels();

  if (values['no-build'] !== true && NEEDS_BUILD.some((name) => !skipped.has(name))) {
    progress('npm run build (the mine-e2e and select benchmarks run the CLI from dist/)');
    const build = await run('npm', ['run', '--silent', 'build']);
    if (build.code !== 0) progress('warning: npm run build failed; mine-e2e runs the existing dist/');
  }

  const ratios: string[] = [];
  const failures: string[] = [];
  for (const name of BENCHMARKS) {
    if (skipped.has(name)) continue;
    const extra = name === 'embed' ? ['--passages', values.passages, '--repeat', values.repeat] : name === 'cross-encoder' || name === 'static-embedding' || name === 'select' ? ['--repeat', values.repeat] : [];
    progress(`running bench/${name}.ts ${extra.join(' ')}`);
    const benchStarted = performance.now();
    const outcome = await run(process.execPath, ['--import', 'tsx', path.join('bench', `${name}.ts`), ...extra]);
    progress(`bench/${name}.ts finished in ${round(seconds(benchStarted), 1)} s (exit ${outcome.code})`);
    if (outcome.code !== 0) failures.push(name);
    for (const line of outcome.stdout.split('\n')) if (line.startsWith('RATIO ') || line.includes(', growth x')) ratios.push(line);
  }

  process.stdout.write(`\n# summary (${round(seconds(started) / 60, 1)} min)\n${ratios.join('\n')}\n`);
  if (failures.length > 0) {
    process.stdout.write(`# failed: ${failures.join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
