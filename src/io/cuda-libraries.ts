import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** Libraries the onnxruntime 1.30 CUDA provider needs from CUDA 12 and cuDNN 9. */
export const CUDA_RUNTIME_LIBRARIES = [
  'libcudart.so.12',
  'libcublas.so.12',
  'libcublasLt.so.12',
  'libcurand.so.10',
  'libcufft.so.11',
  'libcudnn.so.9',
] as const;

export interface CudaLibraryReport {
  /** First line of /proc/driver/nvidia/version, when an NVIDIA kernel driver is loaded. */
  driver: string | null;
  /** onnxruntime-node's CUDA provider files (downloaded at install unless ONNXRUNTIME_NODE_INSTALL=skip). */
  providerDir: string;
  providerLibraries: { file: string; present: boolean; unresolved: string[] }[];
  /** Each CUDA/cuDNN runtime library and where the dynamic loader would find it (null: not found). */
  runtimeLibraries: { name: string; path: string | null }[];
}

function onnxruntimeBinDir(): string {
  const packageJson = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(packageJson), 'bin', 'napi-v6', process.platform, process.arch);
}

function readDriverVersion(): string | null {
  try {
    return readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Library name -> path from the loader cache (`ldconfig -p`) plus LD_LIBRARY_PATH, which the cache does not cover. */
async function loaderIndex(): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  for (const dir of (process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean)) {
    try {
      for (const name of readdirSync(dir)) if (!index.has(name)) index.set(name, path.join(dir, name));
    } catch {
      // A missing directory on LD_LIBRARY_PATH is the user's business, not an error of ours.
    }
  }
  try {
    const { stdout } = await execFileAsync('ldconfig', ['-p'], { env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/sbin:/usr/sbin` } });
    for (const line of stdout.split('\n')) {
      const match = /^\s*(\S+)\s.*=>\s*(\S+)$/.exec(line);
      if (match?.[1] !== undefined && match[2] !== undefined && !index.has(match[1])) index.set(match[1], match[2]);
    }
  } catch {
    // Without ldconfig only LD_LIBRARY_PATH is searched.
  }
  return index;
}

async function unresolvedDependencies(file: string): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync('ldd', [file]);
    return stdout
      .split('\n')
      .filter((line) => line.includes('=> not found'))
      .map((line) => line.trim().split(/\s+/)[0] ?? line.trim());
  } catch (error) {
    return [`ldd failed: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`];
  }
}

/**
 * The dynamic loader's own error for a library (null when it loads). Loading through process.dlopen
 * yields dlerror()'s text, which names the exact missing dependency; a plain library then fails only
 * with "did not self-register", which means it loaded.
 */
export function loaderError(file: string): string | null {
  try {
    process.dlopen({ exports: {} }, file);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.startsWith('Module did not self-register') ? null : message;
  }
}

/**
 * Explains why the CUDA provider cannot work here, from what is installed rather than from
 * onnxruntime's generic "Failed to load shared library"; undefined when nothing explains it.
 */
export function diagnoseCuda(report: CudaLibraryReport): string | undefined {
  const missing = report.providerLibraries.filter((lib) => !lib.present).map((lib) => lib.file);
  if (missing.length > 0) {
    return (
      `onnxruntime-node's CUDA provider is not installed (${missing.join(', ')} missing in ${report.providerDir}); ` +
      'on a GPU host reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm run setup'
    );
  }
  for (const lib of report.providerLibraries) {
    const error = loaderError(path.join(report.providerDir, lib.file));
    if (error !== null) return `${error} (CUDA 12 and cuDNN 9 runtime libraries must be on the loader path, e.g. LD_LIBRARY_PATH)`;
  }
  if (report.driver === null) return 'no NVIDIA driver is loaded (/proc/driver/nvidia/version is missing)';
  return undefined;
}

/** Reports what the CUDA execution provider would need to load on this host. */
export async function inspectCudaLibraries(): Promise<CudaLibraryReport> {
  const providerDir = onnxruntimeBinDir();
  const providerFiles = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  const providerLibraries = await Promise.all(
    providerFiles.map(async (file) => {
      const full = path.join(providerDir, file);
      const present = existsSync(full);
      return { file, present, unresolved: present ? await unresolvedDependencies(full) : [] };
    }),
  );
  const index = await loaderIndex();
  const runtimeLibraries = CUDA_RUNTIME_LIBRARIES.map((name) => ({ name, path: index.get(name) ?? null }));
  return { driver: readDriverVersion(), providerDir, providerLibraries, runtimeLibraries };
}
