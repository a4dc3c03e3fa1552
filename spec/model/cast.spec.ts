import { ConfigError, SecretNotFoundError } from 'vaultly';
import { castValue } from '../../lib/model/cast.js';

const CANARY = 'CANARY-7f3a';

describe('Function: castValue', () => {
  it('leaves strings unchanged', () => {
    expect(castValue(' a b ', String, undefined, 'M.f', '/p')).toBe(' a b ');
  });

  it.each([
    ['42', 42],
    [' -3.5 ', -3.5],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('casts %j to the number %d', (raw, expected) => {
    expect(castValue(raw, Number, undefined, 'M.f', '/p')).toBe(expected);
  });

  it.each(['', 'abc', '12px', '0x10', 'Infinity', 'NaN', '1,000'])('refuses %j as a number', (raw) => {
    expect(() => castValue(raw, Number, undefined, 'M.f', '/p')).toThrow(ConfigError);
  });

  it.each([
    ['true', true],
    [' YES ', true],
    ['On', true],
    ['1', true],
    ['false', false],
    ['No', false],
    ['off', false],
    ['0', false],
  ])('casts %j to the boolean %s', (raw, expected) => {
    expect(castValue(raw, Boolean, undefined, 'M.f', '/p')).toBe(expected);
  });

  it('refuses other words as a boolean', () => {
    expect(() => castValue('maybe', Boolean, undefined, 'M.f', '/p')).toThrow(/M\.f: the value of secret '\/p' is not a boolean/);
  });

  it('parses JSON for objects and arrays', () => {
    expect(castValue('{"a":[1]}', Object, undefined, 'M.f', '/p')).toEqual({ a: [1] });
    expect(castValue('[1,2]', Array, undefined, 'M.f', '/p')).toEqual([1, 2]);
  });

  it('refuses a non-array for an Array field', () => {
    expect(() => castValue('{"a":1}', Array, undefined, 'M.f', '/p')).toThrow(/not a JSON array/);
  });

  it('does not let a __proto__ key pollute prototypes', () => {
    const value = castValue('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}', Object, undefined, 'M.f', '/p');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('uses the transform instead of the cast', () => {
    expect(castValue('a,b', Number, (raw) => raw.split(','), 'M.f', '/p')).toEqual(['a', 'b']);
  });

  it.each([
    ['Number', Number, `${CANARY}px`],
    ['Boolean', Boolean, CANARY],
    ['Object', Object, `{"k": ${CANARY}`],
    ['Array', Array, `{"k": "${CANARY}"}`],
  ])('a failed %s cast names field and path, never the value', (_type, type, raw) => {
    let error: unknown;
    try {
      castValue(raw, type, undefined, 'Model.field', '/prod/x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, stack, cause } = error as ConfigError;
    expect(message).toContain('Model.field');
    expect(message).toContain('/prod/x');
    expect(`${message}${stack}${String(cause)}`).not.toContain(CANARY);
    expect((error as ConfigError).path).toBe('/prod/x');
  });

  it('a VaultlyError thrown by a transform passes through unwrapped', () => {
    const own = new SecretNotFoundError('flag set has no beta key', { path: '/prod/flags' });
    const transform = (): never => {
      throw own;
    };
    expect(() => castValue('{}', undefined, transform, 'Model.flags', '/prod/flags')).toThrow(own);
  });

  it('a failed transform keeps its error class as cause but not its message (it may quote the value)', () => {
    let error: unknown;
    try {
      castValue(CANARY, undefined, (raw) => JSON.parse(raw) as unknown, 'Model.flags', '/prod/flags');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('Model.flags');
    expect((error as Error).message).toContain('SyntaxError');
    expect(((error as Error).cause as Error).name).toBe('SyntaxError');
    expect(JSON.stringify([(error as Error).message, String((error as Error).cause)])).not.toContain(CANARY);
  });
});
