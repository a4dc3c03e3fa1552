import { SSM_BY_PATH_MAX_RESULTS, SSM_GET_PARAMETERS_MAX_NAMES } from './constants.js';
import { SsmApiError } from './SsmApiError.js';
import { SSM_PARAMETER_TYPES } from './SsmParameterStore.js';
import type { SsmParameterShape, SsmParameterStore, SsmParameterType, SsmPathFilter } from './SsmParameterStore.js';

/** The operations the loopback SSM server implements. */
export const SSM_OPERATIONS = Object.freeze([
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'PutParameter',
  'LabelParameterVersion',
  'DeleteParameter',
] as const);

/** One of {@link SSM_OPERATIONS}. */
export type SsmOperation = (typeof SSM_OPERATIONS)[number];

type Input = Readonly<Record<string, unknown>>;

// GetParameters lists a missing or malformed name in InvalidParameters rather than failing.
const INVALID_PARAMETER: ReadonlySet<string> = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ValidationException']);

// The filter keys and options SSM accepts on GetParametersByPath.
const PATH_FILTER_KEYS = ['Type', 'KeyId', 'Label'] as const;
const PATH_FILTER_OPTIONS = ['Equals'] as const;

/**
 * Runs one SSM operation against the store: validates the JSON input as SSM does, and returns
 * the response object or throws the {@link SsmApiError} SSM would send.
 *
 * @param store - the parameters
 * @param op - the operation named by `X-Amz-Target` (after `AmazonSSM.`)
 * @param input - the parsed JSON request body
 * @example
 * ```ts
 * runSsmOperation(store, 'GetParameter', { Name: '/app/key', WithDecryption: true });
 * ```
 */
export function runSsmOperation(store: SsmParameterStore, op: string, input: Input): Record<string, unknown> {
  switch (op) {
    case 'GetParameter':
      return { Parameter: store.get(str(input, 'Name'), bool(input, 'WithDecryption')) };
    case 'GetParameters':
      return getParameters(store, input);
    case 'GetParametersByPath':
      return getParametersByPath(store, input);
    case 'PutParameter': {
      const type = opt(input, 'Type', 'string');
      if (type !== undefined && !(SSM_PARAMETER_TYPES as readonly string[]).includes(type)) {
        throw constraint(type, 'type', `Member must satisfy enum value set: [${SSM_PARAMETER_TYPES.join(', ')}]`);
      }
      const description = opt(input, 'Description', 'string');
      const dataType = opt(input, 'DataType', 'string');
      const version = store.put({
        name: str(input, 'Name'),
        value: str(input, 'Value'),
        overwrite: bool(input, 'Overwrite'),
        ...(type === undefined ? {} : { type: type as SsmParameterType }),
        ...(description === undefined ? {} : { description }),
        ...(dataType === undefined ? {} : { dataType }),
      });
      return { Version: version, Tier: 'Standard' };
    }
    case 'LabelParameterVersion': {
      const labels = strList(input, 'Labels', 1, SSM_GET_PARAMETERS_MAX_NAMES);
      const version = opt(input, 'ParameterVersion', 'number');
      const result = store.label(str(input, 'Name'), labels, version);
      return { InvalidLabels: result.invalidLabels, ParameterVersion: result.parameterVersion };
    }
    case 'DeleteParameter':
      store.delete(str(input, 'Name'));
      return {};
    default:
      throw new SsmApiError('UnknownOperationException', 400, `Unknown operation ${op}`);
  }
}

function getParameters(store: SsmParameterStore, input: Input): Record<string, unknown> {
  const names = [...new Set(strList(input, 'Names', 1, SSM_GET_PARAMETERS_MAX_NAMES))];
  const withDecryption = bool(input, 'WithDecryption');
  const parameters: SsmParameterShape[] = [];
  const invalid: string[] = [];
  for (const name of names) {
    try {
      parameters.push(store.get(name, withDecryption));
    } catch (error) {
      if (!(error instanceof SsmApiError) || !INVALID_PARAMETER.has(error.type)) throw error;
      invalid.push(name);
    }
  }
  // The API reference: "results for GetParameters requests are listed in alphabetical order".
  parameters.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return { Parameters: parameters, InvalidParameters: invalid };
}

function getParametersByPath(store: SsmParameterStore, input: Input): Record<string, unknown> {
  const path = str(input, 'Path');
  if (!path.startsWith('/') || path.includes(':')) {
    throw new SsmApiError('ValidationException', 400, `The parameter doesn't meet the parameter name requirements: ${path}`);
  }
  const max = opt(input, 'MaxResults', 'number') ?? SSM_BY_PATH_MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > SSM_BY_PATH_MAX_RESULTS) {
    throw constraint(String(max), 'maxResults', `Member must have value less than or equal to ${SSM_BY_PATH_MAX_RESULTS}`);
  }
  const all = store.getByPath(path, bool(input, 'Recursive'), bool(input, 'WithDecryption'), pathFilter(input['ParameterFilters']));
  const token = opt(input, 'NextToken', 'string');
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!/^[A-Za-z0-9_-]+$/.test(token ?? '0') || !Number.isInteger(offset) || offset < 0 || offset > all.length) {
    throw new SsmApiError('InvalidNextToken', 400, 'The specified token is not valid.');
  }
  const end = offset + max;
  return {
    Parameters: all.slice(offset, end),
    ...(end < all.length ? { NextToken: Buffer.from(String(end), 'utf8').toString('base64url') } : {}),
  };
}

function opt(input: Input, field: string, type: 'string'): string | undefined;
function opt(input: Input, field: string, type: 'number'): number | undefined;
function opt(input: Input, field: string, type: 'string' | 'number'): unknown {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  // SSM's coral front end answers a mistyped member with a SerializationException.
  if (typeof value !== type) throw new SsmApiError('SerializationException', 400, `Unexpected type for ${field}`);
  return value;
}

function str(input: Input, field: string): string {
  const value = opt(input, field, 'string');
  if (value === undefined) throw constraint('null', lowerFirst(field), 'Member must not be null');
  // Only an empty member is quoted back: a Value member may be a secret.
  if (value.length === 0) throw constraint("''", lowerFirst(field), 'Member must have length greater than or equal to 1');
  return value;
}

function bool(input: Input, field: string): boolean {
  const value = input[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new SsmApiError('SerializationException', 400, `Unexpected type for ${field}`);
  return value;
}

function strList(input: Input, field: string, min: number, max: number): string[] {
  const value = input[field];
  if (value === undefined || value === null) throw constraint('null', lowerFirst(field), 'Member must not be null');
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new SsmApiError('SerializationException', 400, `Unexpected type for ${field}`);
  }
  if (value.length < min || value.length > max) {
    const bound = value.length < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw constraint(`[${value.join(', ')}]`, lowerFirst(field), `Member must have length ${bound}`);
  }
  return value;
}

/** Reads `ParameterFilters` of GetParametersByPath, refusing what SSM refuses there. */
function pathFilter(raw: unknown): SsmPathFilter {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw new SsmApiError('SerializationException', 400, 'Unexpected type for ParameterFilters');
  const filter: { types?: Set<string>; labels?: Set<string>; keyIds?: Set<string> } = {};
  for (const entry of raw as unknown[]) {
    const { Key, Option, Values } = (entry ?? {}) as Record<string, unknown>;
    if (typeof Key !== 'string' || !(PATH_FILTER_KEYS as readonly string[]).includes(Key)) {
      throw new SsmApiError(
        'ValidationException',
        400,
        `The following filter key is not valid: ${String(Key)}. Valid filter keys include: [${PATH_FILTER_KEYS.join(', ')}].`,
      );
    }
    if (Option !== undefined && Option !== null && !(PATH_FILTER_OPTIONS as readonly unknown[]).includes(Option)) {
      throw new SsmApiError(
        'ValidationException',
        400,
        `The following filter option is not valid: ${String(Option)}. Valid options include: [${PATH_FILTER_OPTIONS.join(', ')}].`,
      );
    }
    if (!Array.isArray(Values) || Values.length === 0 || !Values.every((v) => typeof v === 'string')) {
      throw new SsmApiError('ValidationException', 400, `The following filter values are missing : null for filter key ${Key}.`);
    }
    const member = Key === 'Type' ? 'types' : Key === 'Label' ? 'labels' : 'keyIds';
    filter[member] = new Set(Values as string[]);
  }
  return filter;
}

function constraint(value: string, member: string, rule: string): SsmApiError {
  return new SsmApiError(
    'ValidationException',
    400,
    `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${rule}`,
  );
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
