#!/usr/bin/env node
// The `vaultly` command (package.json "bin"). Exits explicitly: a backend's client may keep
// sockets alive (an SDK's keep-alive agent) that would otherwise hold the process open.
import { runCheckCli } from './runCheckCli.js';

const exit = (code: number): void => {
  process.exitCode = code;
  // Exit once what was written has been handed to the OS.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

runCheckCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(exit, (error: unknown) => {
  // An unexpected failure of vaultly itself: its name only, since a message could quote anything.
  process.stderr.write(`vaultly: internal error (${error instanceof Error ? error.name : typeof error})\n`);
  exit(2);
});
