import { runNode } from '../io/node-child.ts';
import { isProbeAnswer, PROBE_INPUT, probeModelBytes } from './probe-model.ts';

/** What a WebGPU probe in a child process found; `stderr` holds what Dawn printed there (its own diagnostics). */
export interface WebGpuProbeOutcome {
  usable: boolean;
  error?: string;
  /** Dawn's lines, without the native stack lines: e.g. "Couldn't load Vulkan: libvulkan.so.1: cannot open ...". */
  dawn: string[];
}

const TIMEOUT_MS = 30_000;

// Runs in the child: creates a WebGPU session from the probe graph on stdin and prints one JSON line.
const CHILD = `
const ort = (await import(process.argv[1])).default;
ort.env.logLevel = 'fatal';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { model, input } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
try {
  const session = await ort.InferenceSession.create(Buffer.from(model, 'base64'), { executionProviders: ['webgpu'] });
  const output = await session.run({ x: new ort.Tensor('float32', Float32Array.from(input), [2, 2]) });
  await session.release();
  process.stdout.write(JSON.stringify({ values: Array.from(output.y.data) }) + '\\n');
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error instanceof Error ? error.message : error) }) + '\\n');
}
`;

/** Dawn's diagnostic lines from a child's stderr: the messages, not the "at ..." source lines under them. */
function dawnLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '))
    .map((line) => line.replace(/^Warning:\s*/, ''));
}

/**
 * Tries a real WebGPU session in a child process: Dawn writes its own diagnostics straight to stderr, which would
 * otherwise land in negmine's; here they are captured and become part of the reason.
 */
export async function probeWebGpuInChild(): Promise<WebGpuProbeOutcome> {
  const input = Buffer.from(JSON.stringify({ model: Buffer.from(probeModelBytes()).toString('base64'), input: Array.from(PROBE_INPUT) }));
  const child = await runNode(['--input-type=module', '-e', CHILD, import.meta.resolve('onnxruntime-node')], input, TIMEOUT_MS);
  const dawn = dawnLines(child.stderr.toString('utf8'));
  if (child.error !== undefined) return { usable: false, error: `cannot start the probe process: ${child.error.message}`, dawn };
  let reply: { values?: number[]; error?: string } | undefined;
  try {
    reply = JSON.parse(child.stdout.toString('utf8').trim().split('\n').pop() ?? '') as { values?: number[]; error?: string };
  } catch {
    reply = undefined;
  }
  if (reply?.values !== undefined) {
    return isProbeAnswer(reply.values) ? { usable: true, dawn } : { usable: false, error: 'probe MatMul returned a wrong result', dawn };
  }
  const ended = child.signal === null ? `exited with ${child.status ?? '?'}` : `was killed by ${child.signal}${child.signal === 'SIGKILL' ? ` after ${TIMEOUT_MS / 1000} s` : ''}`;
  return { usable: false, error: reply?.error ?? `the probe process ${ended} without an answer`, dawn };
}
