import { Command } from 'commander';
import type { TitleJoin } from '../../core/dataset.ts';
import { EXIT_CODES } from '../../core/errors.ts';
import { loadDataset } from '../../io/dataset/load-dataset.ts';
import { inspectDataset } from '../../pipeline/inspect.ts';
import type { Runner } from '../context.ts';
import { datasetInputFromFlags, type InputFlags } from '../dataset-flags.ts';
import { formatInspectReport } from '../format-inspect.ts';
import { addInputOptions } from '../options.ts';

export function inspectCommand(run: Runner): Command {
  const command = new Command('inspect').description(
    'read and validate a dataset without models; print counts, duplicates and problems (exit 2 on invalid input)',
  );
  addInputOptions(command);
  command.option('--json', 'print the report as one JSON object (for scripts)');
  return command.action(async (flags: InputFlags & { json?: boolean; titleJoin: TitleJoin }) => {
    await run(async (context) => {
      const log = context.log.child({ stage: 'read' });
      const started = performance.now();
      const dataset = await loadDataset(datasetInputFromFlags(flags), log);
      const report = inspectDataset(dataset, flags.titleJoin);
      log.info(
        { event: 'stage_end', queries: report.queries, documents: report.corpus.documents, skipped: report.skippedRows.total, elapsedMs: Math.round(performance.now() - started) },
        'dataset read',
      );
      process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatInspectReport(report));
      return EXIT_CODES.ok;
    });
  });
}
