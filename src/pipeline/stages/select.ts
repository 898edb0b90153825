import type { TableRow } from '../../core/table.ts';
import type { CandidatePlan } from '../../mine/candidate-plan.ts';
import { layoutRows, type LayoutOptions } from '../../mine/layouts.ts';
import { mineQueries, type MineContext } from '../../mine/mine-queries.ts';
import type { OutputPart } from '../../workdir/chunk-kinds.ts';

/**
 * Selects the negatives of one query block and lays them out as output rows (src/mine holds every rule); the part
 * carries the block's statistics so a resumed run reports what an uninterrupted one does.
 */
export function selectStage(context: MineContext, options: LayoutOptions, plan: CandidatePlan, ceScores: Float32Array | undefined): OutputPart {
  const { mined, stats } = mineQueries(context, plan, ceScores);
  const rows: TableRow[] = [];
  const rowsPerQuery: number[] = [];
  for (const query of mined) {
    const queryRows = layoutRows(context.layout, query, options);
    for (const row of queryRows) rows.push(row);
    rowsPerQuery.push(queryRows.length);
  }
  return { rows, rowsPerQuery, stats: stats.toSnapshot() };
}
