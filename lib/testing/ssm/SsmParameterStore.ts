import { randomBytes } from 'node:crypto';

import { SSM_DEFAULT_KEY_ID, SSM_MAX_LABELS_PER_VERSION } from './constants.js';
import { SsmApiError } from './SsmApiError.js';

/** The parameter types SSM knows. */
export const SSM_PARAMETER_TYPES = Object.freeze(['String', 'StringList', 'SecureString'] as const);

/** One of {@link SSM_PARAMETER_TYPES}. */
export type SsmParameterType = (typeof SSM_PARAMETER_TYPES)[number];

/** A parameter exactly as SSM's JSON protocol returns it (`GetParameter`'s `Parameter`). */
export interface SsmParameterShape {
  Name: string;
  Type: SsmParameterType;
  Value: string;
  Version: number;
  /** `:3` or `:label` when the parameter was asked for with a selector. */
  Selector?: string;
  /** Seconds since the epoch, as the JSON protocol encodes timestamps. */
  LastModifiedDate: number;
  ARN: string;
  DataType: string;
}

/** What {@link SsmParameterStore.put} accepts. */
export interface SsmPutInput {
  name: string;
  value: string;
  /** Required for a new parameter; an update keeps the previous type when absent. */
  type?: SsmParameterType;
  /** Replace an existing parameter with a new version (otherwise `ParameterAlreadyExists`). */
  overwrite?: boolean;
  description?: string;
  dataType?: string;
}

/** Construction options of {@link SsmParameterStore}. */
export interface SsmParameterStoreOptions {
  /** Region named in ARNs. */
  region: string;
  /** Account id named in ARNs. */
  accountId: string;
  /** Clock for `LastModifiedDate` (default: `() => new Date()`). */
  now?: () => Date;
}

interface StoredVersion {
  readonly version: number;
  readonly value: string;
  readonly type: SsmParameterType;
  readonly dataType: string;
  readonly description: string | undefined;
  readonly lastModified: Date;
  /** Stands in for the KMS ciphertext SSM returns for a SecureString read without decryption. */
  readonly ciphertext: string;
  readonly labels: Set<string>;
}

const NAME_PATTERN = /^[a-zA-Z0-9_.\-/]+$/;
const ARN_PATTERN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]*):(\d{12}):parameter\/(.+)$/;

/** What `GetParametersByPath`'s `ParameterFilters` narrow to; an absent member does not filter. */
export interface SsmPathFilter {
  types?: ReadonlySet<string>;
  labels?: ReadonlySet<string>;
  keyIds?: ReadonlySet<string>;
}
const LABEL_PATTERN = /^[a-zA-Z_.-][a-zA-Z0-9_.-]{0,99}$/;

/**
 * The data behind the loopback SSM server: parameters with their versions and labels. It holds
 * values in memory (it is a test fake) and never puts one in an error message.
 *
 * @example
 * ```ts
 * const store = new SsmParameterStore({ region: 'us-east-1', accountId: '123456789012' });
 * store.put({ name: '/app/key', value: 's3cr3t', type: 'SecureString' });
 * store.get('/app/key:1', true).Value; // 's3cr3t'
 * ```
 */
export class SsmParameterStore {
  readonly #params = new Map<string, StoredVersion[]>();
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => Date;

  constructor(options: SsmParameterStoreOptions) {
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#now = options.now ?? (() => new Date());
  }

  /** Stores a new version (version 1 for a new parameter) and returns its number. */
  put(input: SsmPutInput): number {
    const { name } = input;
    validateName(name);
    if (input.value.length === 0) {
      throw validation(`Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    }
    const versions = this.#params.get(name);
    const previous = versions?.at(-1);
    if (previous !== undefined && input.overwrite !== true) {
      throw new SsmApiError(
        'ParameterAlreadyExists',
        400,
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = input.type ?? previous?.type;
    if (type === undefined) {
      throw validation(`A parameter type is required when you create a parameter (${name}).`);
    }
    const version: StoredVersion = {
      version: (previous?.version ?? 0) + 1,
      value: input.value,
      type,
      dataType: input.dataType ?? previous?.dataType ?? 'text',
      description: input.description ?? previous?.description,
      lastModified: this.#now(),
      ciphertext: randomBytes(48).toString('base64'),
      labels: new Set(),
    };
    if (versions === undefined) this.#params.set(name, [version]);
    else versions.push(version);
    return version.version;
  }

  /**
   * Attaches labels to a version (default: the latest), moving each from any other version that
   * had it, as SSM does. Labels SSM would refuse come back in `invalidLabels` and are not attached.
   */
  label(name: string, labels: readonly string[], version?: number): { invalidLabels: string[]; parameterVersion: number } {
    const versions = this.#versions(name);
    const target = version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
    if (target === undefined) {
      throw new SsmApiError(
        'ParameterVersionNotFound',
        400,
        `Systems Manager could not find version ${String(version)} of ${name}. Verify the version and try again.`,
      );
    }
    const invalidLabels = labels.filter((l) => !isValidLabel(l));
    const valid = labels.filter(isValidLabel);
    const after = new Set([...target.labels, ...valid]);
    if (after.size > SSM_MAX_LABELS_PER_VERSION) {
      throw new SsmApiError(
        'ParameterVersionLabelLimitExceeded',
        400,
        `A parameter version can have maximum ${SSM_MAX_LABELS_PER_VERSION} labels.`,
      );
    }
    for (const label of valid) {
      for (const v of versions) v.labels.delete(label);
      target.labels.add(label);
    }
    return { invalidLabels, parameterVersion: target.version };
  }

  /** Removes a parameter with all its versions; `ParameterNotFound` when there is none. */
  delete(name: string): void {
    this.#versions(name);
    this.#params.delete(name);
  }

  /** Whether a parameter of that name exists. */
  has(name: string): boolean {
    return this.#params.has(name);
  }

  /**
   * Resolves `name`, `name:3`, `name:label` or a full parameter ARN (with or without a selector)
   * as `GetParameter` does. A parameter asked for by ARN comes back named by that ARN.
   * @param selectorName - the name or ARN, optionally with a `:version` or `:label` selector
   * @param withDecryption - return a SecureString's plaintext rather than its ciphertext
   * @throws SsmApiError `ValidationException` for a malformed name, `ParameterNotFound`,
   *   `ParameterVersionNotFound`
   */
  get(selectorName: string, withDecryption: boolean): SsmParameterShape {
    const { name, selector, arn } = this.#resolve(selectorName);
    const versions = this.#versions(name, arn);
    let found: StoredVersion | undefined;
    if (selector === undefined) found = versions.at(-1);
    else if (/^\d+$/.test(selector)) found = versions.find((v) => v.version === Number(selector));
    else found = versions.find((v) => v.labels.has(selector));
    if (found === undefined) {
      const what = selector !== undefined && /^\d+$/.test(selector) ? 'version' : 'label';
      throw new SsmApiError(
        'ParameterVersionNotFound',
        400,
        `Systems Manager could not find ${what} ${String(selector)} of ${arn ?? name}. Verify the ${what} and try again.`,
      );
    }
    return this.#shape(name, found, withDecryption, selector, arn);
  }

  /**
   * The latest version of every parameter under `path` (direct children unless `recursive`), by
   * name, narrowed by `filter` (`GetParametersByPath`'s `ParameterFilters`).
   */
  getByPath(path: string, recursive: boolean, withDecryption: boolean, filter: SsmPathFilter = {}): SsmParameterShape[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = [...this.#params.keys()]
      .filter((name) => name.startsWith(prefix) && name.length > prefix.length)
      .filter((name) => recursive || !name.slice(prefix.length).includes('/'))
      .sort();
    const shapes: SsmParameterShape[] = [];
    for (const name of names) {
      const versions = this.#versions(name);
      const { labels, types, keyIds } = filter;
      // A Label filter picks the version that carries one of the labels, as SSM does.
      const version = labels === undefined ? versions.at(-1) : versions.find((v) => [...v.labels].some((l) => labels.has(l)));
      if (version === undefined) continue;
      if (types !== undefined && !types.has(version.type)) continue;
      if (keyIds !== undefined && !(version.type === 'SecureString' && keyIds.has(SSM_DEFAULT_KEY_ID))) continue;
      shapes.push(this.#shape(name, version, withDecryption, undefined, undefined));
    }
    return shapes;
  }

  /** Splits a name or ARN and its selector, checking the name as a read does. */
  #resolve(selectorName: string): { name: string; selector: string | undefined; arn: string | undefined } {
    const match = ARN_PATTERN.exec(selectorName);
    if (match === null) {
      const { name, selector } = splitSelector(selectorName);
      if (!isReadableName(name)) throw malformedName(selectorName);
      return { name, selector, arn: undefined };
    }
    const [, region, accountId, rest = ''] = match;
    const { name: tail, selector } = splitSelector(rest);
    // The ARN of `/a/b` is `parameter/a/b`, of `flat` is `parameter/flat`.
    const name = tail.includes('/') ? `/${tail}` : tail;
    if (!isReadableName(name)) throw malformedName(selectorName);
    const arn = selector === undefined ? selectorName : selectorName.slice(0, -(selector.length + 1));
    // Another account's or region's parameter is not in this store.
    if (region !== this.#region || accountId !== this.#accountId) throw notFound(arn);
    return { name, selector, arn };
  }

  #versions(name: string, arn?: string): StoredVersion[] {
    const versions = this.#params.get(name);
    if (versions === undefined || versions.length === 0) throw notFound(arn ?? name);
    return versions;
  }

  #shape(name: string, v: StoredVersion, withDecryption: boolean, selector: string | undefined, arn: string | undefined): SsmParameterShape {
    return {
      Name: arn ?? name,
      Type: v.type,
      Value: v.type === 'SecureString' && !withDecryption ? v.ciphertext : v.value,
      Version: v.version,
      ...(selector === undefined ? {} : { Selector: `:${selector}` }),
      LastModifiedDate: v.lastModified.getTime() / 1000,
      ARN: `arn:aws:ssm:${this.#region}:${this.#accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
      DataType: v.dataType,
    };
  }
}

/** Splits `name:selector` at the last `:` (SSM names cannot contain one). */
export function splitSelector(selectorName: string): { name: string; selector: string | undefined } {
  const at = selectorName.lastIndexOf(':');
  if (at < 0) return { name: selectorName, selector: undefined };
  const name = selectorName.slice(0, at);
  const selector = selectorName.slice(at + 1);
  if (name.length === 0 || selector.length === 0) {
    throw validation(`Invalid parameter name or selector: ${selectorName}`);
  }
  return { name, selector };
}

function validateName(name: string): void {
  const valid =
    name.length > 0 &&
    name.length <= 2048 &&
    NAME_PATTERN.test(name) &&
    (!name.includes('/') || name.startsWith('/')) &&
    !/^\/?(aws|ssm)/i.test(name);
  if (!valid) {
    throw validation(
      `Parameter name ${name}: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`,
    );
  }
}

/** A name a read accepts: the write rules without the reserved `aws`/`ssm` prefixes (public parameters live there). */
function isReadableName(name: string): boolean {
  return name.length > 0 && name.length <= 2048 && NAME_PATTERN.test(name) && (!name.includes('/') || name.startsWith('/')) && !name.includes('//');
}

function malformedName(name: string): SsmApiError {
  return validation(`Parameter name ${name} is not valid: a name holds letters, numbers and . - _, and a hierarchical name starts with / and has no empty level.`);
}

function notFound(name: string): SsmApiError {
  return new SsmApiError('ParameterNotFound', 400, `Parameter ${name} not found.`);
}

function isValidLabel(label: string): boolean {
  return LABEL_PATTERN.test(label) && !/^(aws|ssm)/i.test(label);
}

function validation(message: string): SsmApiError {
  return new SsmApiError('ValidationException', 400, message);
}
