// Vault: a container on RetryingBackend(VaultBackend) against the loopback Vault server, with
// `path:key` fields, a token that expires and is renewed through tokenFactory, and a version pin.
import 'reflect-metadata';
import { Container } from 'inversify';
import { Secret, SecretModel, vaultlyModule } from 'vaultly';
import { startVaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { line, section } from './show.js';

@SecretModel({ validate: 'fetch', staleOnError: true })
class PaymentsConfig {
  @Secret('/prod/payments:user', 300) user!: string;
  @Secret('/prod/payments:password', 300) password!: string; // same secret: one HTTP read
  @Secret('/prod/payments:port') port!: number;              // a JSON number in Vault, cast here
  @Secret('/prod/payments:password', { version: 1 }) previousPassword!: string;
}

export async function runVault(): Promise<void> {
  section('Vault KV v2 over node-vault, against a loopback Vault server');
  const vault = await startVaultServer();
  try {
    vault.put('prod/payments', { user: 'payments-app', password: 'first-password', port: 5432 });
    vault.put('prod/payments', { user: 'payments-app', password: 'second-password', port: 5432 });
    vault.addToken('short-lived', { uses: 1 });
    let renewals = 0;
    const backend = new VaultBackend({
      url: vault.endpoint,
      token: 'short-lived',
      tokenFactory: () => {
        renewals++;
        return vault.token;
      },
    });
    const container = new Container();
    container.load(vaultlyModule({ backend, retry: { maxAttempts: 3, baseDelay: 0.05, totalTimeout: 5 } }));
    container.bind(PaymentsConfig).toSelf().inSingletonScope();
    const config = await container.getAsync(PaymentsConfig);
    const reads = vault.requests.filter((r) => r.method === 'GET');
    line(`boot: ${reads.length} HTTP reads for 4 fields: one for user/password/port, one for the pinned version, one repeated after the token expired`);
    line(`the first token expired after one request; tokenFactory was called ${renewals} time(s)`);
    line(`port is a ${typeof config.port}; pinned version differs from latest = ${config.previousPassword !== config.password}`);
    console.log(config);
    await container.unbindAllAsync();
  } finally {
    await vault.close();
  }
}
