import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

import type { LogFields, Logger } from 'vaultly';

/**
 * What every canary carries between `CANARY` and its label. Only values made by {@link canary} are
 * looked for, so plain `'CANARY-...'` strings that other specs assert on never trip the detector.
 */
export const CANARY_MARKER = '-LEAKCHECK-';

const CANARY_PREFIX = `CANARY${CANARY_MARKER}`;

/** Characters of context shown either side of a hit. */
const EXCERPT_RADIUS = 40;

/**
 * A secret value that the leak detector recognises wherever it turns up.
 *
 * @param label - says which secret it stands for, shown in a leak report
 * @example
 * ```ts
 * const password = canary('db-password'); // 'CANARY-LEAKCHECK-db-password-<uuid>'
 * ```
 */
export function canary(label = 'value'): string {
  return `${CANARY_PREFIX}${label}-${randomUUID()}`;
}

/** One canary found in captured text. */
export interface CanaryHit {
  /** Where the text came from: `console.log`, `stderr`, `logger.warn`, `onRetry`, ... */
  readonly source: string;
  /** The canary as found (possibly cut short). */
  readonly canary: string;
  /** The canary and some text around it. */
  readonly excerpt: string;
}

const TOKEN_END = /[^\w-]/;

/** Every occurrence of a canary in `text`. */
export function findCanaries(text: string, source = 'text'): CanaryHit[] {
  const hits: CanaryHit[] = [];
  for (let at = text.indexOf(CANARY_PREFIX); at >= 0; at = text.indexOf(CANARY_PREFIX, at + CANARY_PREFIX.length)) {
    const rest = text.slice(at);
    const end = rest.search(TOKEN_END);
    hits.push({
      source,
      canary: end < 0 ? rest : rest.slice(0, end),
      excerpt: text.slice(Math.max(0, at - EXCERPT_RADIUS), at + CANARY_PREFIX.length + EXCERPT_RADIUS),
    });
  }
  return hits;
}

/** The canaries in `value` rendered every way, each reported once. */
function canariesIn(value: unknown, source: string): CanaryHit[] {
  const byCanary = new Map<string, CanaryHit>();
  for (const hit of findCanaries(renderForLeakCheck(value), source)) if (!byCanary.has(hit.canary)) byCanary.set(hit.canary, hit);
  return [...byCanary.values()];
}

/**
 * Renders `value` every way it could reach a person or a log pipeline: strings as they are;
 * errors with name, message, stack and own fields, down their `cause` chain and `AggregateError`
 * members; anything else through `util.inspect` (as `console.log` and pino's fallback print it),
 * `JSON.stringify` and `String`.
 */
export function renderForLeakCheck(value: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === 'string') {
      parts.push(item);
      return;
    }
    if (typeof item !== 'object' || item === null || depth > 8 || seen.has(item)) {
      parts.push(String(item));
      return;
    }
    seen.add(item);
    parts.push(safe(() => inspect(item, { depth: 6, maxStringLength: null, maxArrayLength: null, breakLength: Infinity })));
    parts.push(safe(() => JSON.stringify(item) ?? ''));
    if (item instanceof Error) {
      parts.push(item.name, item.message, item.stack ?? '', safe(() => String(item)));
      if (item.cause !== undefined) visit(item.cause, depth + 1);
      if (item instanceof AggregateError) for (const member of item.errors as unknown[]) visit(member, depth + 1);
    } else if (Array.isArray(item)) {
      for (const member of item) visit(member, depth + 1);
    } else {
      parts.push(safe(() => String(item)));
    }
  };
  visit(value, 0);
  return parts.join('\n');
}

function safe(render: () => string): string {
  try {
    return render();
  } catch (error) {
    return `[unrenderable: ${error instanceof Error ? error.name : typeof error}]`;
  }
}

/** Fails at once, naming where, when any canary shows up in `value` rendered every way. */
export function expectNoCanary(value: unknown, source = 'value'): void {
  const hits = canariesIn(value, source);
  if (hits.length > 0) throw new LeakError(hits);
}

/** A canary reached text that a person or a log could see. */
export class LeakError extends Error {
  readonly hits: readonly CanaryHit[];

  constructor(hits: readonly CanaryHit[]) {
    const shown = hits.slice(0, 5).map((hit) => `  ${hit.source}: ...${hit.excerpt}...`);
    super(`A secret value (canary) leaked ${hits.length} time(s):\n${shown.join('\n')}`);
    this.name = 'LeakError';
    this.hits = hits;
  }
}

/** Options of {@link LeakDetector}. */
export interface LeakDetectorOptions {
  /** Whether captured output still reaches the real console and streams. (default: true) */
  passThrough?: boolean;
}

type Write = typeof process.stdout.write;

/** One entry of jest's BufferedConsole (the console of a test file run by a worker). */
interface ConsoleEntry {
  readonly type: string;
  readonly message: string;
}

/** The buffer jest's console keeps, when it keeps one (a CustomConsole writes to the streams). */
function consoleBuffer(): ConsoleEntry[] | undefined {
  const buffered = console as unknown as { getBuffer?: () => ConsoleEntry[] | undefined; _buffer?: ConsoleEntry[] };
  return buffered.getBuffer?.() ?? buffered._buffer;
}

/**
 * Captures what a test prints (`console.*`, `process.stdout.write`, `process.stderr.write`) and
 * whatever the test hands to {@link LeakDetector.capture}, and reports any canary in it.
 *
 * The console itself is not wrapped, so that jest still shows where each message came from:
 * jest's buffered console is read back on `restore()`, and its verbose console writes to the
 * streams, which are wrapped.
 *
 * @example
 * ```ts
 * const detector = new LeakDetector();
 * detector.install();
 * console.log(config);
 * detector.restore();
 * detector.check(); // throws LeakError if a canary was printed
 * ```
 */
export class LeakDetector {
  readonly #passThrough: boolean;
  readonly #hits: CanaryHit[] = [];
  #restore: (() => void)[] = [];
  #consoleStart = 0;

  constructor(options: LeakDetectorOptions = {}) {
    this.#passThrough = options.passThrough ?? true;
  }

  /** Starts capturing console and stream output. */
  install(): void {
    if (this.#restore.length > 0) return;
    this.#consoleStart = consoleBuffer()?.length ?? 0;
    this.#wrapStream('stdout', process.stdout);
    this.#wrapStream('stderr', process.stderr);
    this.#restore.push(() => this.#readConsole());
  }

  /** Puts the streams back as they were and collects what the console buffered meanwhile. */
  restore(): void {
    for (const undo of this.#restore.splice(0).reverse()) undo();
  }

  /** Checks `value`, rendered every way, as if it had been printed by `source`. */
  capture(source: string, value: unknown): void {
    this.#hits.push(...canariesIn(value, source));
  }

  /** The canaries seen so far. */
  get hits(): readonly CanaryHit[] {
    return [...this.#hits];
  }

  /** Throws a {@link LeakError} if any canary was seen, and starts over either way. */
  check(): void {
    const hits = this.#hits.splice(0);
    if (hits.length > 0) throw new LeakError(hits);
  }

  #readConsole(): void {
    const buffer = consoleBuffer();
    if (buffer === undefined) return;
    for (const entry of buffer.slice(this.#consoleStart)) this.capture(`console.${entry.type}`, entry.message);
    if (!this.#passThrough) buffer.splice(this.#consoleStart);
  }

  #wrapStream(name: 'stdout' | 'stderr', stream: NodeJS.WriteStream): void {
    const original = stream.write;
    const write = (chunk: unknown, ...rest: unknown[]): boolean => {
      this.capture(name, typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk);
      if (!this.#passThrough) {
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
    stream.write = write as Write;
    this.#restore.push(() => {
      stream.write = original;
    });
  }
}

const ACTIVE = Symbol.for('vaultly.spec.leakDetector');

/** The detector of the running test, installed by `spec/setup/leakCanaries.ts`. */
export function activeLeakDetector(): LeakDetector | undefined {
  return (globalThis as { [ACTIVE]?: LeakDetector })[ACTIVE];
}

/** Called by the setup file only: makes `detector` the one {@link leakCheck} reports to. */
export function setActiveLeakDetector(detector: LeakDetector | undefined): void {
  (globalThis as { [ACTIVE]?: LeakDetector | undefined })[ACTIVE] = detector;
}

/**
 * Hands `value` to the running test's leak check. Use it where throwing would be swallowed (a
 * logger or an `onRetry` hook: vaultly ignores what they throw); the test then fails after it
 * ends. Without the setup file it checks at once instead.
 */
export function leakCheck(source: string, value: unknown): void {
  const detector = activeLeakDetector();
  if (detector !== undefined) detector.capture(source, value);
  else expectNoCanary(value, source);
}

/** One call a {@link canaryLogger} received. */
export interface LogRecord {
  readonly level: 'debug' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly message: string;
}

/**
 * A logger with all three levels that records every call and passes it through {@link leakCheck}.
 *
 * @example
 * ```ts
 * const { logger, records } = canaryLogger();
 * await bindSecrets(config, { backend, logger });
 * ```
 */
export function canaryLogger(): { logger: Required<Logger>; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (fields: LogFields, message: string): void => {
      records.push({ level, fields, message });
      leakCheck(`logger.${level}`, { fields, message });
    };
  return { logger: { debug: at('debug'), warn: at('warn'), error: at('error') }, records };
}
