import type { Logger } from '../../core/logger.ts';
import type { TableRow } from '../../core/table.ts';
import { openTableWriter, type OutputFormat } from '../../io/output/open-table-writer.ts';
import { layoutSchema } from '../../mine/layouts.ts';
import { MiningStats } from '../../mine/stats.ts';
import { emptyRemovalCounts } from '../../mine/select.ts';
import { partChunk, partOf, type OutputPart } from '../../workdir/chunk-kinds.ts';
import type { StageWork } from '../../workdir/work-dir.ts';
import type { OutputPlan } from '../mine/output-plan.ts';
import { stageProgress } from '../progress.ts';

/** Written queries per writer call (an Arrow record batch each): the same grouping whatever the blocks. */
const QUERIES_PER_WRITE = 512;

export interface WriteInputs {
  blocks: number;
  /** Selects block b's rows (selectStage over its plan and scores) when its part is not stored. */
  select: (block: number) => OutputPart | Promise<OutputPart>;
  output: string;
  format: OutputFormat | undefined;
  plan: OutputPlan;
}

export interface WriteOutputs {
  rows: number;
  stats: MiningStats;
  /** The probe settings the stored or selected parts carry. */
  probes: { nprobe?: number; efSearch?: number };
}

/**
 * Streams the output parts, block by block in query order, into the writer of -o (a temp file renamed on close, so
 * the final file appears whole); a part stored in the work directory is reused, the others selected and stored.
 */
export async function writeStage(inputs: WriteInputs, work: StageWork, log: Logger): Promise<WriteOutputs> {
  const stats = new MiningStats(emptyRemovalCounts());
  const writer = await openTableWriter(inputs.output, layoutSchema(inputs.plan.layout, inputs.plan.options), inputs.format);
  let rowsWritten = 0;
  let probes: WriteOutputs['probes'] = {};
  let pending: TableRow[] = [];
  let pendingQueries = 0;
  const flush = async (): Promise<void> => {
    if (pendingQueries === 0) return;
    rowsWritten += pending.length;
    await writer.write(pending);
    pending = [];
    pendingQueries = 0;
  };
  try {
    const progress = stageProgress(log, { label: 'write', total: inputs.blocks });
    for (let block = 0; block < inputs.blocks; block += 1) {
      let part = await work.load(block).then((data) => (data === undefined ? undefined : partOf(data)));
      if (part === undefined) {
        part = await inputs.select(block);
        const computed = part;
        await work.save(block, () => partChunk(computed));
      }
      stats.merge(MiningStats.fromSnapshot(part.stats));
      if (part.probes !== undefined) probes = part.probes;
      let next = 0;
      for (const count of part.rowsPerQuery) {
        for (let i = 0; i < count; i += 1) pending.push(part.rows[next + i] ?? {});
        next += count;
        pendingQueries += 1;
        if (pendingQueries === QUERIES_PER_WRITE) await flush();
      }
      progress.update(block + 1);
    }
    await flush();
    await writer.close();
    progress.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { rows: rowsWritten, stats, probes };
}
