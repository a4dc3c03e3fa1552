import { ConfigError } from 'vaultly';
import { requirePeer } from '../../lib/backends/requirePeer.js';

describe(requirePeer.name, () => {
  it('returns the package when it is installed', () => {
    expect(typeof requirePeer<unknown>('node-vault', 'vaultly/vault')).toBe('function');
  });

  it('throws a ConfigError naming the entry and the package to install when it is missing', () => {
    const error = (() => {
      try {
        requirePeer('vaultly-spec-no-such-package', 'vaultly/example');
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'vaultly/example needs the package vaultly-spec-no-such-package, an optional peer dependency of vaultly: ' +
        'install it (npm install vaultly-spec-no-such-package)',
    );
    expect((error as ConfigError).code).toBe('MODULE_NOT_FOUND');
  });
});
