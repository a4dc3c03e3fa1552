import { ConfigError, MissingContextVariableError } from 'vaultly';
import { parseTemplate, renderTemplate } from '../../lib/model/template.js';

const render = (template: string, context: Record<string, unknown>): string =>
  renderTemplate(parseTemplate(template, 'M.f'), template, new Map(Object.entries(context)), 'M.f');

describe('Function: renderTemplate', () => {
  it('fills placeholders from the context', () => {
    expect(render('/{stage}/db/{name}', { stage: 'prod', name: 'main' })).toBe('/prod/db/main');
    expect(render('/v{n}', { n: 2 })).toBe('/v2');
  });

  it('treats {{ and }} as literal braces', () => {
    expect(render('/{{literal}}/{stage}', { stage: 'dev' })).toBe('/{literal}/dev');
  });

  it.each([
    ['unknown', '/{nope}/x'],
    ['positional', '/{0}/x'],
    ['dotted', '/{a.b}/x'],
    ['indexed', '/{a[0]}/x'],
    ['empty', '/{}/x'],
  ])('throws MissingContextVariableError for an %s placeholder', (_kind, template) => {
    const error = (() => {
      try {
        render(template, { a: { b: 1 }, stage: 'prod' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('M.f');
    expect((error as Error).message).toContain(template);
  });

  it('throws MissingContextVariableError for an undefined variable', () => {
    expect(() => render('/{stage}', { stage: undefined })).toThrow(MissingContextVariableError);
  });

  it.each([
    ['a slash', 'prod/../admin'],
    ['two dots', '..'],
    ['a colon', 'prod:key'],
    ['an at sign', 'prod@3'],
    ['a hash', 'prod#admin'],
    ['nothing', ''],
    ['a newline', 'pro\nd'],
  ])('refuses a filled-in value with %s, without echoing it', (_what, value) => {
    const canary = `${value}CANARY`;
    let error: unknown;
    try {
      render('/{stage}/db', { stage: value === '' ? '' : canary });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(MissingContextVariableError);
    expect((error as Error).message).toContain('{stage}');
    expect((error as Error).message).not.toContain('CANARY');
  });

  it('refuses an object as a context value', () => {
    expect(() => render('/{stage}', { stage: { toString: () => 'prod' } })).toThrow(/not a string or number/);
  });
});
