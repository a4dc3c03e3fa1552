// SSM: a container on RetryingBackend(AWSSSMBackend) against the loopback SSM server: a batched
// boot, a rotation via PutParameter + refresh, and an SSM outage served from stale values.
import 'reflect-metadata';
import { Container } from 'inversify';
import { getSecret, refresh, refreshAll, Secret, SecretModel, vaultlyModule } from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer } from 'vaultly/testing';
import { line, section } from './show.js';

const NAMES = Array.from({ length: 12 }, (_, i) => `/prod/feature/${i}`);

@SecretModel({ validate: 'fetch', staleOnError: true })
class FeatureConfig {
  @Secret('/prod/db/password', 300) dbPassword!: string;
  @Secret('/prod/db/password', { version: 1 }) firstDbPassword!: string;
  @Secret('/prod/allowed-ips') allowedIps!: string; // a StringList, raw comma-joined
}

export async function runSsm(): Promise<void> {
  section('AWS SSM Parameter Store over @aws-sdk/client-ssm, against a loopback SSM server');
  const ssm = await startSsmServer();
  const backend = new AWSSSMBackend({
    region: ssm.region,
    clientConfig: { endpoint: ssm.endpoint, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } },
  });
  try {
    ssm.putParameter('/prod/db/password', 'ssm-password-v1', { type: 'SecureString' });
    ssm.putParameter('/prod/db/password', 'ssm-password-v2', { type: 'SecureString' });
    ssm.putParameter('/prod/allowed-ips', '10.0.0.1,10.0.0.2', { type: 'StringList' });
    for (const name of NAMES) ssm.putParameter(name, `value-of-${name}`);

    const container = new Container();
    container.load(vaultlyModule({ backend, retry: { maxAttempts: 3, baseDelay: 0.05, totalTimeout: 3 } }));
    container.bind(FeatureConfig).toSelf().inSingletonScope();
    const config = await container.getAsync(FeatureConfig);
    line(
      `boot: ${ssm.requestCount('GetParameters')} GetParameters + ${ssm.requestCount('GetParameter')} GetParameter (the version pin)`,
    );
    const batch = await backend.getBatch(NAMES);
    line(`getBatch of ${NAMES.length} names: ${Object.keys(batch).length} values in ${ssm.requestCount('GetParameters') - 1} GetParameters calls (chunks of 10)`);
    line(`allowedIps holds ${config.allowedIps.split(',').length} addresses; pinned v1 differs from latest = ${config.firstDbPassword !== config.dbPassword}`);

    const before = config.dbPassword;
    ssm.putParameter('/prod/db/password', 'ssm-password-v3', { type: 'SecureString' });
    await refresh(config, 'dbPassword');
    line(`rotated with PutParameter, then refresh(): value changed = ${config.dbPassword !== before}`);

    const last = config.dbPassword;
    ssm.faults.failNext('error', { times: 20 });
    await refreshAll(config).catch((error: unknown) => line(`refreshAll during an SSM outage: ${(error as Error).name} (old values kept)`));
    line(`outage: sync read serves the last value = ${config.dbPassword === last}; getSecret too = ${(await getSecret(config, 'dbPassword')) === last}`);
    ssm.faults.clear();
    await container.unbindAllAsync();
  } finally {
    backend.destroy();
    await ssm.close();
  }
}
