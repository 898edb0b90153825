import { Command, Option } from 'commander';
import type { TitleJoin } from '../../core/dataset.ts';
import { EXIT_CODES } from '../../core/errors.ts';
import type { VectorFormat } from '../../io/output/vector-writer.ts';
import { EMBED_TARGETS, runEmbed, type EmbedTarget } from '../../pipeline/embed.ts';
import type { Runner } from '../context.ts';
import { datasetInputFromFlags, type InputFlags } from '../dataset-flags.ts';
import { modelSettingsFromFlags, type ModelFlags } from '../model-flags.ts';
import { addInputOptions, addModelOptions, addOutputOptions } from '../options.ts';

type EmbedFlags = InputFlags & ModelFlags & { output: string; outputFormat?: VectorFormat; embed?: EmbedTarget; titleJoin: TitleJoin };

export function embedCommand(run: Runner): Command {
  const command = new Command('embed').description(
    'embed queries or corpus passages with the bi-encoder and write ids with vectors (.parquet, .arrow, .npy + .ids.jsonl, .jsonl)',
  );
  addInputOptions(command);
  addModelOptions(command, false);
  addOutputOptions(command, false);
  command.addOption(new Option('--embed <what>', 'which texts (default: queries with only --queries, else the corpus)').choices(EMBED_TARGETS));
  return command.action(async (flags: EmbedFlags) => {
    await run(async (context) => {
      await runEmbed(
        {
          input: datasetInputFromFlags(flags),
          titleJoin: flags.titleJoin,
          model: modelSettingsFromFlags(flags),
          output: flags.output,
          ...(flags.embed === undefined ? {} : { target: flags.embed }),
          ...(flags.outputFormat === undefined ? {} : { outputFormat: flags.outputFormat }),
        },
        context.log,
      );
      return EXIT_CODES.ok;
    });
  });
}
