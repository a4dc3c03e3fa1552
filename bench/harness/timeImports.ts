import { execFile } from 'node:child_process';

/**
 * Milliseconds a fresh `node` process spends in `await import()` of `timed`, in order, after it
 * imported `before` untimed.
 */
export async function timeImports(before: readonly string[], timed: readonly string[]): Promise<number> {
  const imports = (specifiers: readonly string[]): string => specifiers.map((s) => `await import(${JSON.stringify(s)});`).join(' ');
  const script = `${imports(before)} const t = performance.now(); ${imports(timed)} process.stdout.write(String(performance.now() - t));`;
  const out = await runNode(['--input-type=module', '-e', script]);
  const ms = Number(out);
  if (!Number.isFinite(ms)) throw new Error(`import time: the child printed ${JSON.stringify(out)}`);
  return ms;
}

/** Runs a child `node` and resolves to its trimmed stdout. */
export function runNode(args: readonly string[]): Promise<string> {
  // The parent's NODE_OPTIONS (jest's --experimental-vm-modules, say) would change what is timed.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout.trim());
      else reject(new Error(`child node failed: ${stderr}`, { cause: error }));
    });
  });
}
