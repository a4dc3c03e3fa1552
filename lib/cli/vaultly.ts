#!/usr/bin/env node
// The `vaultly` command (package.json "bin"). Exits explicitly: a backend's client may keep
// sockets alive (an SDK's keep-alive agent) that would otherwise hold the process open.
import { EXIT_CODE } from './constants.js';
import { runCheckCli } from './runCheckCli.js';

let finished = false;

const exit = (code: number): void => {
  finished = true;
  process.exitCode = code;
  // Exit once what was written has been handed to the OS.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

// A module or backend whose promise never settles leaves nothing for the event loop to wait on,
// and Node would exit 0 with nothing printed: a preflight gate that passes having checked nothing.
process.exitCode = EXIT_CODE.Failed;
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write(
    'vaultly check: the check never finished: the module\'s default export or a backend read returned a promise that never settles\n',
  );
  exit(EXIT_CODE.Failed);
});

runCheckCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(exit, (error: unknown) => {
  // An unexpected failure of vaultly itself: its name only, since a message could quote anything.
  process.stderr.write(`vaultly: internal error (${error instanceof Error ? error.name : typeof error})\n`);
  exit(2);
});
