import { parseArgs } from 'node:util';

import { CHECK_STATUS } from './CheckRow.js';
import { CheckUsageError } from './CheckUsageError.js';
import { checkSecrets } from './checkSecrets.js';
import { collectCheckTargets } from './collectCheckTargets.js';
import { EXIT_CODE, USAGE } from './constants.js';
import { formatCheckJson, formatCheckText } from './formatCheckReport.js';
import { loadCheckModule } from './loadCheckModule.js';

/** Where the command line writes, and what it resolves module paths against. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly cwd: string;
}

/**
 * Runs `vaultly <args>` and resolves to the exit code: `check <module> [--json]` checks every
 * secret of the module's models (0 all ok, 1 otherwise), `--help` prints the usage; bad arguments
 * or a bad module print why and give 2. Neither values nor backend error messages are printed.
 */
export async function runCheckCli(args: readonly string[], io: CliIo): Promise<number> {
  let json: boolean;
  let file: string;
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT_CODE.Ok;
    }
    const [command, module, ...extra] = positionals;
    if (command !== 'check') throw new CheckUsageError(command === undefined ? 'missing command' : `unknown command '${command}'`);
    if (module === undefined) throw new CheckUsageError('check needs a module path');
    if (extra.length > 0) throw new CheckUsageError(`unexpected argument '${extra[0] as string}'`);
    json = values.json === true;
    file = module;
  } catch (error) {
    io.stderr.write(`vaultly: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT_CODE.Usage;
  }

  try {
    const { backend, models } = await loadCheckModule(file, io.cwd);
    const { targets, unresolved } = collectCheckTargets(models);
    const rows = [...(await checkSecrets(backend, targets)), ...unresolved];
    io.stdout.write(json ? formatCheckJson(rows) : formatCheckText(rows));
    return rows.every((row) => row.status === CHECK_STATUS.Ok) ? EXIT_CODE.Ok : EXIT_CODE.Failed;
  } catch (error) {
    if (!(error instanceof CheckUsageError)) throw error;
    io.stderr.write(`vaultly check: ${error.message}\n`);
    return EXIT_CODE.Usage;
  }
}
