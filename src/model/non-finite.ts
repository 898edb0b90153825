import { NegmineError } from '../core/errors.ts';

/** A model output holding NaN or ±Inf; `index` is the input's position (text or pair) in the call that failed. */
export class NonFiniteOutputError extends NegmineError {
  readonly index: number;
  readonly model: string;
  readonly value: number;

  constructor(model: string, index: number, value: number) {
    super('E_MODEL_OUTPUT', nonFiniteMessage(model, `input ${index}`, value));
    this.name = 'NonFiniteOutputError';
    this.index = index;
    this.model = model;
    this.value = value;
  }
}

function nonFiniteMessage(model: string, input: string, value: number): string {
  return `Model '${model}' produced ${String(value)} for ${input}; nothing was written (the export may overflow in fp16, or the model is broken for this input)`;
}

/** The first row of a row-major [rows, width] batch that holds a non-finite value, with that value; undefined when all are finite. */
export function firstNonFiniteRow(data: Float32Array, width: number): { row: number; value: number } | undefined {
  for (let i = 0; i < data.length; i += 1) {
    const value = data[i] ?? 0;
    // One comparison per value: NaN fails both, ±Inf fails the second.
    if (!(value - value === 0)) return { row: Math.floor(i / Math.max(width, 1)), value };
  }
  return undefined;
}

/** Runs `work` and renames the failing input of a NonFiniteOutputError with `describe` (e.g. "corpus id 'd3'"). */
export async function nameNonFiniteInput<T>(work: Promise<T>, describe: (index: number) => string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof NonFiniteOutputError)) throw error;
    throw new NegmineError('E_MODEL_OUTPUT', nonFiniteMessage(error.model, describe(error.index), error.value), { cause: error });
  }
}
