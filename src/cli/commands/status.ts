import { Command, Option } from 'commander';
import { EXIT_CODES } from '../../core/errors.ts';
import { runStatus } from '../../pipeline/work-status.ts';
import type { Runner } from '../context.ts';
import { formatWorkStatus } from '../format-status.ts';

export function statusCommand(run: Runner): Command {
  const command = new Command('status').description('show the progress of a `mine --work-dir` run: chunks stored per stage, stale chunks');
  command.addOption(new Option('--work-dir <dir>', 'the work directory of a mine run').makeOptionMandatory());
  command.option('--json', 'print the status as one JSON object (for scripts)');
  return command.action(async (flags: { workDir: string; json?: boolean }) => {
    await run(async () => {
      const status = await runStatus(flags.workDir);
      process.stdout.write(flags.json === true ? `${JSON.stringify(status, null, 2)}\n` : formatWorkStatus(status));
      return EXIT_CODES.ok;
    });
  });
}
