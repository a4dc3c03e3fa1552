import 'reflect-metadata';
import { ConfigError, Secret, SecretModel, Nested } from 'vaultly';
import { getSecretFields, getModelOptions, getNestedFields } from '../../lib/model/metadata.js';

describe('Decorator: @Secret', () => {
  it('records path, ttl, version, transform, description and design:type', () => {
    const transform = (raw: string): string[] => raw.split(',');
    class Model {
      @Secret('/{stage}/db/password', 300) password!: string;
      @Secret('/pool', { version: 2, description: 'pool size' }) pool!: number;
      @Secret('/flags', { transform }) flags!: string[];
    }
    const fields = getSecretFields(Model);
    expect(fields.map((f) => f.name)).toEqual(['password', 'pool', 'flags']);
    expect(fields[0]).toMatchObject({ template: '/{stage}/db/password', ttl: 300, version: undefined, designType: String });
    expect(fields[1]).toMatchObject({ ttl: undefined, version: 2, description: 'pool size', designType: Number });
    expect(fields[2]?.transform).toBe(transform);
  });

  it('keeps inherited fields and lets a subclass add its own', () => {
    class Base {
      @Secret('/a') a!: string;
    }
    class Derived extends Base {
      @Secret('/b') b!: string;
    }
    expect(getSecretFields(Derived).map((f) => f.name)).toEqual(['a', 'b']);
    expect(getSecretFields(Base).map((f) => f.name)).toEqual(['a']);
  });

  const defining = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('class definition did not throw');
  };

  it('refuses a method, naming class and property', () => {
    const error = defining(() => {
      class Model {
        @Secret('/x') read(): string {
          return '';
        }
      }
      return Model;
    });
    expect(error.message).toContain('Model.read');
    expect(error.message).toMatch(/not methods/);
  });

  it.each([
    ['a negative ttl', -1, /ttl/],
    ['an infinite ttl', Infinity, /ttl/],
    ['a NaN ttl', NaN, /ttl/],
    ['a zero version', { version: 0 }, /version/],
    ['a version label with a slash', { version: 'a/b' }, /version/],
    ['a transform that is not a function', { transform: 'nope' }, /transform/],
  ])('refuses %s', (_what, options, pattern) => {
    const error = defining(() => {
      class Model {
        @Secret('/x', options as never) field!: string;
      }
      return Model;
    });
    expect(error.message).toContain('Model.field');
    expect(error.message).toMatch(pattern);
  });

  it.each([
    ['an empty path', '', /empty/],
    ['a blank path', '   ', /empty/],
    ['an unclosed brace', '/{stage/x', /unbalanced '\{'/],
    ['a lone closing brace', '/stage}/x', /unbalanced '\}'/],
    ['nested braces', '/{a{b}}/x', /unbalanced/],
    ['a NUL byte', '/a\u0000b', /control character/],
    ['a newline', '/a\nb', /control character/],
    ['4 KB of text', '/' + 'a'.repeat(4096), /longer than 2048/],
  ])('refuses %s', (_what, path, pattern) => {
    const error = defining(() => {
      class Model {
        @Secret(path) field!: string;
      }
      return Model;
    });
    expect(error.message).toContain('Model.field');
    expect(error.message).toMatch(pattern);
  });

  it('refuses a type it cannot cast unless a transform is given', () => {
    const error = defining(() => {
      class Model {
        @Secret('/when') when!: Date;
      }
      return Model;
    });
    expect(error.message).toContain('Model.when');
    expect(error.message).toContain('Date');
    class WithTransform {
      @Secret('/when', { transform: (raw) => new Date(raw) }) when!: Date;
    }
    expect(getSecretFields(WithTransform)).toHaveLength(1);
  });

  it('refuses a static property', () => {
    const error = defining(() => {
      class Model {
        @Secret('/x') static field: string;
      }
      return Model;
    });
    expect(error.message).toContain('Model.field');
  });
});

describe('Decorator: @SecretModel', () => {
  it('records options with defaults', () => {
    @SecretModel()
    class Plain {}
    @SecretModel({ validate: 'fetch', staleOnError: true })
    class Strict {}
    expect(getModelOptions(Plain)).toEqual({ validate: 'paths', staleOnError: false });
    expect(getModelOptions(Strict)).toEqual({ validate: 'fetch', staleOnError: true });
  });

  it('refuses an unknown validate mode or a non-boolean staleOnError, naming the class', () => {
    expect(() => SecretModel({ validate: 'eager' as never })(class Bad {})).toThrow(/Bad: validate must be one of none, paths, fetch/);
    expect(() => SecretModel({ staleOnError: 'yes' as never })(class Worse {})).toThrow(/Worse: staleOnError must be a boolean/);
  });
});

describe('Decorator: @Nested', () => {
  it('records the child class from design:type', () => {
    @SecretModel()
    class Child {
      @Secret('/c') c!: string;
    }
    class Parent {
      @Nested() child!: Child;
    }
    expect(getNestedFields(Parent)).toEqual([{ name: 'child', type: Child }]);
  });

  it('refuses a property whose type is not a secret model', () => {
    expect(() => {
      class NotAModel {}
      class Parent {
        @Nested() child!: NotAModel;
      }
      return Parent;
    }).toThrow(/Parent\.child: @Nested needs a @SecretModel class/);
  });
});
