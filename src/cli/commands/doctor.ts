import { Command, Option } from 'commander';
import { EXIT_CODES, NegmineError, type ExitCode } from '../../core/errors.ts';
import { runDoctor } from '../../pipeline/doctor.ts';
import type { CliContext } from '../context.ts';
import { formatDoctorReport } from '../format-doctor.ts';

interface DoctorOptions {
  json?: boolean;
  cudaDevice: string;
}

export function doctorCommand(run: (action: (context: CliContext) => Promise<ExitCode>) => Promise<void>): Command {
  return new Command('doctor')
    .description('check the runtime: versions, which execution providers really run a session, CUDA/cuDNN libraries, FAISS build, CPU and memory')
    .option('--json', 'print the report as one JSON object (for scripts)')
    .addOption(new Option('--cuda-device <n>', 'CUDA device index to probe').default('0'))
    .addHelpText('after', '\nExit status: 0 when everything CPU mining needs works (CUDA is optional), 1 otherwise.')
    .action(async (options: DoctorOptions) => {
      await run(async (context) => {
        const deviceId = Number(options.cudaDevice);
        if (!Number.isInteger(deviceId) || deviceId < 0) {
          throw new NegmineError('E_USAGE', `Invalid --cuda-device '${options.cudaDevice}': expected a device index (0, 1, ...)`);
        }
        context.log.debug({ event: 'doctor_start', deviceId });
        const report = await runDoctor(context.version, deviceId);
        process.stdout.write(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
        return report.ok ? EXIT_CODES.ok : EXIT_CODES.failure;
      });
    });
}
