import type { Dataset } from '../../core/dataset.ts';
import { extraColumns } from '../../mine/extra-columns.ts';
import { layoutSchema, minNegativesFor, type LayoutOptions, type OutputLayout } from '../../mine/layouts.ts';

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
