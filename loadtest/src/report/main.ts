/** Entry point of `npm run report`. See USAGE in command.ts for the arguments and exit codes. */
import { EchartsMissingError } from './build.ts';
import { invocationDir, parseReportArgs, runReportCommand, USAGE, UsageError } from './command.ts';
import { GateSyntaxError } from './gates.ts';
import { RunMergeError } from './merge.ts';
import { ReportOptionError } from './options.ts';
import { RunFolderError } from './run-folder.ts';

/** Exit code when no report could be built. */
const EXIT_USAGE = 2;

/** Errors caused by the arguments, the input folders or the installation: one line, no stack. */
const INPUT_ERRORS = [
  UsageError,
  GateSyntaxError,
  RunFolderError,
  RunMergeError,
  ReportOptionError,
  EchartsMissingError,
];

async function main(): Promise<number> {
  try {
    const command = parseReportArgs(process.argv.slice(2), invocationDir());
    if (command === null) {
      process.stdout.write(USAGE);
      return 0;
    }
    return await runReportCommand(command, (line) => console.log(line));
  } catch (error) {
    if (INPUT_ERRORS.some((kind) => error instanceof kind)) {
      console.error(`report: ${(error as Error).message}`);
      if (error instanceof UsageError) {
        console.error(USAGE);
      }
      return EXIT_USAGE;
    }
    // Exit code 1 means a failed gate, so an unexpected error must not end with it.
    console.error(error);
    return EXIT_USAGE;
  }
}

process.exitCode = await main();
