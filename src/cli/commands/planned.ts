import { Command } from 'commander';
import { NegmineError } from '../../core/errors.ts';
import type { Runner } from '../context.ts';
import { addInputOptions, addMiningOptions, addModelOptions, addOutputOptions } from '../options.ts';

// Commands whose interface is fixed but whose stages are not built yet: they say so and exit 1.
function notImplemented(name: string, run: Runner): () => Promise<void> {
  return () =>
    run(() => Promise.reject(new NegmineError('E_NOT_IMPLEMENTED', `'negmine ${name}' is not implemented in this version yet; 'negmine doctor' is`)));
}

export function mineCommand(run: Runner): Command {
  const command = new Command('mine').description(
    'mine hard negatives: embed queries and corpus, retrieve candidates, filter false negatives, write training data (not implemented yet)',
  );
  addInputOptions(command);
  addModelOptions(command, true);
  addMiningOptions(command);
  addOutputOptions(command, true);
  return command.action(notImplemented('mine', run));
}
