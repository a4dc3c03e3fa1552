// Printing helpers: the demo never prints a secret value, only facts about it.

export function section(title: string): void {
  console.log(`\n=== ${title} ===`);
}

export function line(text: string): void {
  console.log(`  ${text}`);
}

/** A fingerprint of a value that does not reveal it: its length and whether it changed. */
export function describeSecret(value: unknown): string {
  return typeof value === 'string' ? `a ${value.length}-character string` : `a ${typeof value}`;
}

/** The message of an error and of its cause (inversify wraps errors from model hooks). */
export function explain(error: unknown): string {
  const e = error as Error;
  const cause = e.cause as Error | undefined;
  return cause === undefined ? `${e.name}: ${e.message}` : `${cause.name}: ${cause.message}`;
}
