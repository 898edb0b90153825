import { fileURLToPath } from 'node:url';
import { NegmineError } from '../core/errors.ts';
import { runNodeSync } from '../io/node-child.ts';

/** What training in a child gave: the trained (still empty) index bytes, and each line FAISS printed on stderr. */
export interface ChildTraining {
  bytes: Buffer;
  messages: string[];
}

function childCommand(): string[] {
  // Under tsx (tests, bench) the child runs the .ts source through the same loader; dist runs the compiled .js.
  if (!import.meta.url.endsWith('.ts')) return [fileURLToPath(new URL('./train-child.js', import.meta.url))];
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./train-child.ts', import.meta.url))];
}

/**
 * Trains `factory` on a sample in a child process, so that FAISS's own stderr lines come back as data instead of
 * breaking the JSON log stream (and a FAISS abort fails the run with an error instead of killing it). Blocks, as
 * training in-process did.
 */
export function trainInChild(factory: string, dim: number, sample: Float32Array): ChildTraining {
  const header = Buffer.from(JSON.stringify({ factory, dim }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const input = Buffer.concat([length, header, Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength)]);
  const result = runNodeSync(childCommand(), input);
  const messages = result.stderr.toString('utf8').split('\n').map((line) => line.trimEnd()).filter((line) => line.length > 0);
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.message ?? (result.signal === null ? `exit code ${String(result.status)}` : `signal ${result.signal}`);
    const said = messages.at(-1);
    throw new NegmineError('E_INDEX', `Cannot train --index '${factory}': FAISS training failed (${why})${said === undefined ? '' : `: ${said}`}`);
  }
  return { bytes: result.stdout, messages };
}
