import type { Dataset } from '../../core/dataset.ts';
import type { Logger } from '../../core/logger.ts';
import type { TableWriter } from '../../core/table.ts';
import { openTableWriter, type OutputFormat } from '../../io/output/open-table-writer.ts';
import { extraColumns } from '../../mine/extra-columns.ts';
import { layoutRows, layoutSchema, minNegativesFor, type LayoutOptions, type MinedQuery, type OutputLayout } from '../../mine/layouts.ts';
import { stageProgress } from '../progress.ts';

const ROWS_PER_WRITE = 512;

/** Everything the writer needs to know about the output, decided before mining. */
export interface OutputPlan {
  layout: OutputLayout;
  options: LayoutOptions;
  minNegatives: number;
}

/** Layout options from the dataset: the input's column names, extra fields and scores carried into the output. */
export function outputPlan(layout: OutputLayout, dataset: Dataset, base: LayoutOptions, minNegatives: number | undefined): OutputPlan {
  const options: LayoutOptions = { ...base };
  if (dataset.columns !== undefined) options.columns = dataset.columns;
  if (layout === 'flagembedding') {
    const reserved = new Set(layoutSchema('flagembedding', { ...options, inputScores: true }).map((column) => column.name));
    const extras = extraColumns(dataset.extras ?? [], reserved);
    if (extras.length > 0) options.extras = extras;
    if (dataset.teacherScores?.some((scores) => scores !== undefined && scores.size > 0) === true) options.inputScores = true;
  }
  return { layout, options, minNegatives: minNegativesFor(layout, base.numNegatives, minNegatives) };
}

/** Writes the mined queries in the planned layout; returns the number of rows written. */
export async function writeMined(mined: readonly MinedQuery[], output: string, format: OutputFormat | undefined, plan: OutputPlan, log: Logger): Promise<number> {
  let rowsWritten = 0;
  const writer: TableWriter = await openTableWriter(output, layoutSchema(plan.layout, plan.options), format);
  try {
    const progress = stageProgress(log, { label: 'write', total: mined.length });
    for (let start = 0; start < mined.length; start += ROWS_PER_WRITE) {
      const rows = mined.slice(start, start + ROWS_PER_WRITE).flatMap((query) => layoutRows(plan.layout, query, plan.options));
      rowsWritten += rows.length;
      await writer.write(rows);
      progress.update(Math.min(mined.length, start + ROWS_PER_WRITE));
    }
    await writer.close();
    progress.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return rowsWritten;
}
