import { ConfigError, MissingContextVariableError } from '../errors.js';

/** A parsed path template: literal text and `{name}` placeholders, in order. */
export type TemplatePart = { readonly literal: string } | { readonly variable: string };

/** The longest path accepted (SSM's own limit on a parameter name). */
export const MAX_PATH_LENGTH = 2048;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Parses a path template. `{{` and `}}` are literal braces. Throws a {@link ConfigError} for an
 * empty template, unbalanced or nested braces, control characters or an over-long path; the
 * placeholder names themselves are checked when the template is rendered.
 */
export function parseTemplate(template: string, where: string): TemplatePart[] {
  if (typeof template !== 'string' || template.trim() === '') {
    throw new ConfigError(`${where}: the secret path is empty`);
  }
  if (template.length > MAX_PATH_LENGTH) {
    throw new ConfigError(`${where}: the secret path is longer than ${MAX_PATH_LENGTH} characters`);
  }
  if (CONTROL.test(template)) {
    throw new ConfigError(`${where}: the secret path contains a control character`);
  }
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        literal += '{';
        i++;
        continue;
      }
      const close = template.indexOf('}', i + 1);
      const open = template.indexOf('{', i + 1);
      if (close < 0 || (open >= 0 && open < close)) {
        throw new ConfigError(`${where}: unbalanced '{' at offset ${i} in secret path template`);
      }
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ variable: template.slice(i + 1, close) });
      i = close;
    } else if (c === '}') {
      if (template[i + 1] !== '}') {
        throw new ConfigError(`${where}: unbalanced '}' at offset ${i} in secret path template`);
      }
      literal += '}';
      i++;
    } else {
      literal += c;
    }
  }
  if (literal !== '') parts.push({ literal });
  return parts;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Why a filled-in value is refused: it would point the read at another secret. */
function unsafeReason(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value.includes('/')) return "contains '/'";
  if (value.includes('..')) return "contains '..'";
  if (value.includes(':')) return "contains ':'";
  if (value.includes('@')) return "contains '@'";
  // `#` selects a key of a JSON secret (Secrets Manager, FileBackend): `{stage}` = `prod#admin`
  // would read another secret's field.
  if (value.includes('#')) return "contains '#'";
  if (CONTROL.test(value)) return 'contains a control character';
  return undefined;
}

/**
 * Renders a parsed template from `context`. Throws {@link MissingContextVariableError} for an
 * unknown, positional, dotted or indexed placeholder and {@link ConfigError} for a value that is
 * empty or contains `/`, `..`, `:`, `@`, `#` or a control character. Messages never include the value.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  template: string,
  context: ReadonlyMap<string, unknown>,
  where: string,
): string {
  let path = '';
  for (const part of parts) {
    if ('literal' in part) {
      path += part.literal;
      continue;
    }
    const name = part.variable;
    if (!IDENTIFIER.test(name) || !context.has(name)) {
      const kind = !IDENTIFIER.test(name) ? 'unsupported placeholder' : 'unknown context variable';
      throw new MissingContextVariableError(
        `${where}: ${kind} {${name}} in secret path '${template}'; available: ${[...context.keys()].join(', ') || '(none)'}`,
        { variable: name },
      );
    }
    const raw = context.get(name);
    if (raw === undefined || raw === null) {
      throw new MissingContextVariableError(`${where}: context variable {${name}} is ${String(raw)} in secret path '${template}'`, {
        variable: name,
      });
    }
    if (!['string', 'number', 'bigint', 'boolean'].includes(typeof raw)) {
      throw new ConfigError(`${where}: context variable {${name}} in secret path '${template}' is a ${typeof raw}, not a string or number`);
    }
    const value = String(raw);
    const reason = unsafeReason(value);
    if (reason !== undefined) {
      throw new ConfigError(`${where}: context variable {${name}} ${reason}, which would change the secret path '${template}'`);
    }
    path += value;
  }
  return path;
}
