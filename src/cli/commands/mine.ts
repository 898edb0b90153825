import { Command } from 'commander';
import type { TitleJoin } from '../../core/dataset.ts';
import { EXIT_CODES, NegmineError } from '../../core/errors.ts';
import type { OutputFormat } from '../../io/output/open-table-writer.ts';
import type { OutputLayout } from '../../mine/layouts.ts';
import type { ExclusionMode, Sampling } from '../../mine/select.ts';
import type { CeActivation } from '../../model/cross-encoder.ts';
import type { GivenNegativesMode } from '../../mine/candidate-plan.ts';
import { runMine, type MineRequest } from '../../pipeline/mine/run-mine.ts';
import { formatMiningReport } from '../report.ts';
import { DEFAULT_CROSS_ENCODER } from '../../pipeline/resolve-model.ts';
import type { Runner } from '../context.ts';
import { datasetInputFromFlags, defined, type InputFlags } from '../dataset-flags.ts';
import { modelSettingsFromFlags, type ModelFlags } from '../model-flags.ts';
import { addInputOptions, addMiningOptions, addModelOptions, addOutputOptions } from '../options.ts';
import { parseNumberFlag } from '../parse-flags.ts';

interface MiningFlags {
  numNegatives: string;
  rangeMin: string;
  rangeMax?: string;
  sampling: Sampling;
  seed: string;
  absoluteMargin?: string;
  relativeMargin?: string;
  minScore?: string;
  maxScore?: string;
  dupThreshold: string;
  exclusions: ExclusionMode;
  minNegatives?: string;
  givenNegatives: GivenNegativesMode;
  crossEncoder?: string | true;
  crossEncoderFile?: string;
  ceActivation: CeActivation | 'auto';
  ceCandidates?: string;
  ceMaxScore?: string;
  relabel?: boolean;
  index?: string;
  nprobe?: string;
  efSearch?: string;
  saveIndex?: string;
  loadIndex?: string;
  cacheDir?: string;
  workDir?: string;
  chunkRows: string;
  statsJson?: string;
  output: string;
  outputFormat?: OutputFormat;
  format: OutputLayout;
  scores?: boolean;
  titleJoin: TitleJoin;
}

type MineFlags = InputFlags & ModelFlags & MiningFlags;

function optionalNumber(flag: string, value: string | undefined, rule: Parameters<typeof parseNumberFlag>[2] = {}): number | undefined {
  return value === undefined ? undefined : parseNumberFlag(flag, value, rule);
}

/** --nprobe needs IVF lists and --ef-search an HNSW graph; with --load-index the saved index is checked when it loads. */
function checkSearchFlags(flags: MineFlags): void {
  if (flags.loadIndex !== undefined && flags.index === undefined) return;
  const what = flags.index === undefined ? 'exact search (no --index)' : `--index '${flags.index}'`;
  if (flags.nprobe !== undefined && !/IVF/i.test(flags.index ?? '')) {
    throw new NegmineError('E_USAGE', `--nprobe applies to IVF indexes (e.g. --index 'IVF1024,Flat'); this run uses ${what}`);
  }
  if (flags.efSearch !== undefined && !/HNSW/i.test(flags.index ?? '')) {
    throw new NegmineError('E_USAGE', `--ef-search applies to HNSW indexes (e.g. --index 'HNSW32'); this run uses ${what}`);
  }
}

/** Turns the mine flags into a request, rejecting combinations that cannot work. */
export function mineRequestFromFlags(flags: MineFlags): MineRequest {
  const crossEncoder = flags.crossEncoder === undefined ? undefined : flags.crossEncoder === true ? DEFAULT_CROSS_ENCODER : flags.crossEncoder;
  const ceCandidates = optionalNumber('--ce-candidates', flags.ceCandidates, { integer: true, min: 1 });
  const ceMaxScore = optionalNumber('--ce-max-score', flags.ceMaxScore);
  if (crossEncoder === undefined && (flags.relabel === true || ceMaxScore !== undefined || ceCandidates !== undefined)) {
    throw new NegmineError('E_USAGE', '--relabel, --ce-max-score and --ce-candidates need --cross-encoder [MODEL]');
  }
  if (flags.saveIndex !== undefined && flags.loadIndex !== undefined) throw new NegmineError('E_USAGE', 'use either --save-index or --load-index, not both');
  checkSearchFlags(flags);
  const numNegatives = parseNumberFlag('--num-negatives', flags.numNegatives, { integer: true, min: 1 });
  const rangeMin = parseNumberFlag('--range-min', flags.rangeMin, { integer: true, min: 0 });
  const rangeMax = optionalNumber('--range-max', flags.rangeMax, { integer: true, min: 1 });
  if (rangeMax !== undefined && rangeMax <= rangeMin) throw new NegmineError('E_USAGE', `Invalid --range-max ${rangeMax}: it must be larger than --range-min ${rangeMin}`);
  return {
    input: datasetInputFromFlags(flags),
    titleJoin: flags.titleJoin,
    model: modelSettingsFromFlags(flags),
    ...(crossEncoder === undefined
      ? {}
      : { crossEncoder: { model: crossEncoder, ...defined({ activation: flags.ceActivation === 'auto' ? undefined : flags.ceActivation, modelFile: flags.crossEncoderFile, candidates: ceCandidates }) } }),
    selection: {
      numNegatives,
      rangeMin,
      sampling: flags.sampling,
      seed: parseNumberFlag('--seed', flags.seed, { integer: true, min: 0 }),
      relabel: flags.relabel === true,
      ...defined({
        rangeMax,
        absoluteMargin: optionalNumber('--absolute-margin', flags.absoluteMargin),
        relativeMargin: optionalNumber('--relative-margin', flags.relativeMargin, { min: 0, max: 1 }),
        minScore: optionalNumber('--min-score', flags.minScore),
        maxScore: optionalNumber('--max-score', flags.maxScore),
        ceMaxScore,
      }),
    },
    dupThreshold: parseNumberFlag('--dup-threshold', flags.dupThreshold, { min: -1, max: 1 }),
    exclusions: flags.exclusions,
    givenNegatives: flags.givenNegatives,
    index: defined({
      factory: flags.index,
      nprobe: optionalNumber('--nprobe', flags.nprobe, { integer: true, min: 1 }),
      efSearch: optionalNumber('--ef-search', flags.efSearch, { integer: true, min: 1 }),
      save: flags.saveIndex,
      load: flags.loadIndex,
    }),
    output: flags.output,
    layout: flags.format,
    scores: flags.scores === true,
    chunkRows: parseNumberFlag('--chunk-rows', flags.chunkRows, { integer: true, min: 1 }),
    ...defined({
      cacheDir: flags.cacheDir,
      workDir: flags.workDir,
      statsJson: flags.statsJson,
      outputFormat: flags.outputFormat,
      minNegatives: optionalNumber('--min-negatives', flags.minNegatives, { integer: true, min: 0 }),
    }),
  };
}

export function mineCommand(run: Runner): Command {
  const command = new Command('mine').description(
    'mine hard negatives: embed queries and corpus, retrieve candidates, filter false negatives, write training data',
  );
  addInputOptions(command);
  addModelOptions(command, true, false);
  addMiningOptions(command);
  addOutputOptions(command, true);
  return command.action(async (flags: MineFlags) => {
    await run(async (context) => {
      const { report } = await runMine(mineRequestFromFlags(flags), context.log);
      if (!context.quiet) process.stderr.write(formatMiningReport(report.stats, report.context));
      return EXIT_CODES.ok;
    });
  });
}
