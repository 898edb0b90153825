import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { EXIT_CODES, NegmineError, escapeControl, type ExitCode } from '../core/errors.ts';
import { LOG_LEVELS } from '../core/logger.ts';
import { installShutdownHandlers } from '../core/shutdown.ts';
import { doctorCommand } from './commands/doctor.ts';
import { inspectCommand } from './commands/inspect.ts';
import { embedCommand } from './commands/embed.ts';
import { mineCommand } from './commands/mine.ts';
import { statusCommand } from './commands/status.ts';
import { createContext, type CliContext, type GlobalOptions } from './context.ts';
import { plainDefaults } from './options.ts';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

const EXIT_HELP = `
Exit codes:
  0    success
  1    failure (model or runtime error)
  2    usage error, invalid input, or a model that does not fit its role or the flags
  75   retryable failure (network, rate limit, I/O): the same command may succeed when run again
  130  interrupted (SIGINT / SIGTERM)
Error lines name a stable code (E_USAGE, E_INPUT_PARSE, E_NETWORK, ...); JSON logs carry it in the error event.
Logs go to stderr (JSON lines, or pretty when stderr is a terminal); stdout carries data only.`;

type Action = (context: CliContext) => Promise<ExitCode>;

function buildProgram(run: (action: Action) => Promise<void>): Command {
  const program = new Command('negmine')
    .description('Mine hard negatives for embedding and reranker training: ONNX bi-encoder, FAISS retrieval, cross-encoder false-negative filtering.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS))
    .option('-q, --quiet', 'log errors only')
    .option('-v, --verbose', 'debug logs and stack traces')
    .addHelpText('after', EXIT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => {
        write(`negmine: ${text}`);
      },
    });
  for (const command of [mineCommand(run), statusCommand(run), inspectCommand(run), embedCommand(run), doctorCommand(run)]) {
    program.addCommand(command.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true));
  }
  return plainDefaults(program);
}

function presentError(error: unknown, context: CliContext | undefined): ExitCode {
  if (error instanceof NegmineError) {
    const message = escapeControl(error.message);
    // JSON logs get one machine-readable event (not under --quiet); the plain line below is for people and grep.
    if (context?.jsonLogs === true && !context.quiet) context.log.error({ event: 'error', code: error.code, exitCode: error.exitCode, retryable: error.retryable }, message);
    process.stderr.write(`negmine: error: ${message}\n`);
    const cause = error.cause;
    if (context?.verbose === true && cause !== undefined) process.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : JSON.stringify(cause)}\n`);
    return error.exitCode;
  }
  // Anything else is a bug in negmine: show where it happened.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`negmine: internal error: ${escapeControl(detail).replaceAll('\\n', '\n')}\n`);
  return EXIT_CODES.failure;
}

/** Runs the CLI on argv (without node and script) and resolves to the exit code; never calls process.exit itself. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT_CODES.ok;
  let context: CliContext | undefined;
  const run = async (action: Action): Promise<void> => {
    try {
      context = createContext(packageJson.version, program.opts<GlobalOptions>());
      exitCode = await action(context);
    } catch (error) {
      exitCode = presentError(error, context);
    }
  };
  // Installed before parsing: even --help must end quietly when stdout's reader is gone.
  installShutdownHandlers({
    onSignal: (signal) => {
      context?.log.warn({ event: 'interrupted', signal }, `interrupted by ${signal}`);
    },
    onStdoutClosed: () => {
      context?.log.debug({ event: 'stdout_closed' }, 'stdout closed by its reader; stopping');
    },
  });
  const program = buildProgram(run);
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT_CODES.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return shown ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    return presentError(error, context);
  }
  return exitCode;
}
