import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import {
  runSecretsManagerOperation,
  SecretsManagerStore,
  startSecretsManagerServer,
  type SecretsManagerServer,
} from 'vaultly/testing';
import { canary } from '../../helpers/canary.js';
import { rejection } from '../../helpers/outcomes.js';
import { waitFor } from '../ssm/ssmTestClient.js';
import { secretsManagerTestClient } from './secretsManagerTestClient.js';

interface SdkError {
  name: string;
  $metadata: { httpStatusCode?: number };
}

describe(startSecretsManagerServer.name, () => {
  let server: SecretsManagerServer;
  let client: SecretsManagerClient;

  beforeEach(async () => {
    server = await startSecretsManagerServer({ secrets: { 'app/key': 'v1' } });
    client = secretsManagerTestClient(server);
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('listens on 127.0.0.1 and answers GetSecretValue with the AWSCURRENT version', async () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'app/key' }));
    expect(out).toMatchObject({ Name: 'app/key', SecretString: 'v1', VersionStages: ['AWSCURRENT'] });
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/key-[A-Za-z0-9]{6}$/);
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(server.requests[0]).toMatchObject({ op: 'GetSecretValue', method: 'POST', secretIds: ['app/key'], fault: undefined, throttled: false });
  });

  it('answers errors with __type, Message and x-amzn-ErrorType, and requires an Authorization header', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'X-Amz-Target': 'secretsmanager.GetSecretValue', 'Content-Type': 'application/x-amz-json-1.1', ...headers },
        body: JSON.stringify({ SecretId: 'nope' }),
      });
    const unsigned = await post({});
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', Message: 'Missing Authentication Token' });
    const missing = await post({ Authorization: 'AWS4-HMAC-SHA256 Credential=x' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(missing.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await missing.json()).toEqual({ __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
  });

  it('names the region and account in ARNs', async () => {
    const other = await startSecretsManagerServer({ region: 'eu-west-1', accountId: '000000000042', secrets: { s: 'x' } });
    try {
      expect(other.describeSecret('s').arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000042:secret:s-/);
    } finally {
      await other.close();
    }
  });

  it('rotates as Secrets Manager does: PutSecretValue, AWSPENDING, UpdateSecretVersionStage, AWSPREVIOUS', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'db', SecretString: 'one' }));
    const v1 = created.VersionId as string;
    const put = await client.send(new PutSecretValueCommand({ SecretId: 'db', SecretString: 'two', VersionStages: ['AWSPENDING'] }));
    const v2 = put.VersionId as string;
    expect(put.VersionStages).toEqual(['AWSPENDING']);
    const stagesOf = async () => (await client.send(new DescribeSecretCommand({ SecretId: 'db' }))).VersionIdsToStages;
    expect(await stagesOf()).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] });

    // AWSCURRENT is on v1, so moving it must name v1.
    const refused = await rejection<SdkError>(client.send(new UpdateSecretVersionStageCommand({ SecretId: 'db', VersionStage: 'AWSCURRENT', MoveToVersionId: v2 })));
    expect(refused.name).toBe('InvalidParameterException');
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: 'db', VersionStage: 'AWSCURRENT', MoveToVersionId: v2, RemoveFromVersionId: v1 }));
    expect(await stagesOf()).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSPENDING', 'AWSCURRENT'] });
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: 'db', VersionStage: 'AWSPENDING', RemoveFromVersionId: v2 }));

    // A plain PutSecretValue makes the new version AWSCURRENT and the old one AWSPREVIOUS; v1 loses its label.
    const v3 = (await client.send(new PutSecretValueCommand({ SecretId: 'db', SecretString: 'three' }))).VersionId as string;
    expect(await stagesOf()).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'db', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('two');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'db', VersionId: v1 }))).SecretString).toBe('one');
    const removeCurrent = await rejection<SdkError>(client.send(new UpdateSecretVersionStageCommand({ SecretId: 'db', VersionStage: 'AWSCURRENT', RemoveFromVersionId: v3 })));
    expect(removeCurrent.name).toBe('InvalidParameterException');
  });

  it('is idempotent on ClientRequestToken, and refuses the same token with another value', async () => {
    const token = '11111111-2222-4333-8444-555555555555';
    const first = await client.send(new PutSecretValueCommand({ SecretId: 'app/key', SecretString: 'v2', ClientRequestToken: token }));
    const again = await client.send(new PutSecretValueCommand({ SecretId: 'app/key', SecretString: 'v2', ClientRequestToken: token }));
    expect(again.VersionId).toBe(first.VersionId);
    const error = await rejection<SdkError>(client.send(new PutSecretValueCommand({ SecretId: 'app/key', SecretString: 'v3', ClientRequestToken: token })));
    expect(error.name).toBe('ResourceExistsException');
  });

  it('stores SecretBinary and returns it as bytes', async () => {
    await client.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: Uint8Array.from([1, 2, 255]) }));
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(out.SecretString).toBeUndefined();
    expect([...(out.SecretBinary as Uint8Array)]).toEqual([1, 2, 255]);
  });

  it('schedules a deletion (reads get InvalidRequestException, DescribeSecret a DeletedDate) or deletes at once when forced', async () => {
    server.createSecret('other', 'x');
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: 'app/key', RecoveryWindowInDays: 7 }));
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    expect((await rejection<SdkError>(client.send(new GetSecretValueCommand({ SecretId: 'app/key' })))).name).toBe('InvalidRequestException');
    expect((await client.send(new DescribeSecretCommand({ SecretId: 'app/key' }))).DeletedDate).toBeInstanceOf(Date);
    expect((await rejection<SdkError>(client.send(new CreateSecretCommand({ Name: 'app/key', SecretString: 'y' })))).name).toBe('InvalidRequestException');
    await client.send(new DeleteSecretCommand({ SecretId: 'other', ForceDeleteWithoutRecovery: true }));
    const gone = await rejection<SdkError>(client.send(new GetSecretValueCommand({ SecretId: 'other' })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.$metadata.httpStatusCode).toBe(400);
  });

  it('answers BatchGetSecretValue with values and per-id Errors, and refuses more than 20 ids', async () => {
    server.createSecret('denied', 'x');
    server.denyAccess('denied');
    const out = await client.send(new BatchGetSecretValueCommand({ SecretIdList: ['app/key', 'missing', 'denied'] }));
    expect(out.SecretValues?.map((v) => [v.Name, v.SecretString])).toEqual([['app/key', 'v1']]);
    expect(out.Errors?.map((e) => [e.SecretId, e.ErrorCode])).toEqual([
      ['missing', 'ResourceNotFoundException'],
      ['denied', 'AccessDeniedException'],
    ]);
    expect(out.NextToken).toBeUndefined();
    const tooMany = Array.from({ length: 21 }, (_, i) => `s${i}`);
    expect((await rejection<SdkError>(client.send(new BatchGetSecretValueCommand({ SecretIdList: tooMany })))).name).toBe('InvalidParameterException');
  });

  it('accepts a full ARN and an ARN without its suffix as SecretId', async () => {
    const { arn } = server.describeSecret('app/key');
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('v1');
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }))).SecretString).toBe('v1');
  });

  describe('faults and the request log', () => {
    it('injects throttling, server errors and rejected credentials matched by operation', async () => {
      server.faults
        .failNext('throttle', { match: (r) => r.op === 'DescribeSecret' })
        .failNext('error', { times: 2 })
        .failNext('credentials');
      const describe = await rejection<SdkError>(client.send(new DescribeSecretCommand({ SecretId: 'app/key' })));
      expect([describe.name, describe.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 400]);
      for (let i = 0; i < 2; i++) {
        const error = await rejection<SdkError>(client.send(new GetSecretValueCommand({ SecretId: 'app/key' })));
        expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InternalServiceError', 500]);
      }
      expect((await rejection<SdkError>(client.send(new GetSecretValueCommand({ SecretId: 'app/key' })))).name).toBe('UnrecognizedClientException');
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'app/key' }))).resolves.toMatchObject({ SecretString: 'v1' });
      expect(server.requests.map((r) => r.fault)).toEqual(['throttle', 'error', 'error', 'credentials', undefined]);
    });

    it('answers requests over a rate quota with ThrottlingException and logs them as throttled', async () => {
      let now = 0;
      server.faults.setQuota({ rate: 1, burst: 2, now: () => now });
      const get = () => client.send(new GetSecretValueCommand({ SecretId: 'app/key' }));
      await get();
      await get();
      const throttled = await rejection<SdkError>(get());
      expect([throttled.name, throttled.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 400]);
      now = 1_000;
      await expect(get()).resolves.toMatchObject({ SecretString: 'v1' });
      expect(server.requests.map((r) => r.throttled)).toEqual([false, false, true, false]);
    });

    it('never logs SecretString or SecretBinary', async () => {
      const value = canary('sm-server-log');
      await client.send(new CreateSecretCommand({ Name: 'logged', SecretString: value }));
      await client.send(new PutSecretValueCommand({ SecretId: 'logged', SecretBinary: Buffer.from(value) }));
      expect(server.requests.map((r) => r.input?.['Name'] ?? r.input?.['SecretId'])).toEqual(['logged', 'logged']);
      expect(JSON.stringify(server.requests)).not.toContain('CANARY');
      expect(JSON.stringify(server.requests)).not.toContain(Buffer.from(value).toString('base64').slice(0, 12));
    });

    it('close() ends hung requests and is idempotent', async () => {
      server.faults.failNext('hang');
      const hung = rejection(client.send(new GetSecretValueCommand({ SecretId: 'app/key' })));
      await waitFor(() => server.requestCount() === 1);
      expect(server.openConnections).toBe(1);
      await Promise.all([server.close(), server.close()]);
      expect(await hung).toBeInstanceOf(Error);
      expect(server.openConnections).toBe(0);
    });
  });

  it('runs operations without HTTP through runSecretsManagerOperation', () => {
    const store = new SecretsManagerStore({ region: 'us-east-1', accountId: '123456789012' });
    const created = runSecretsManagerOperation(store, 'CreateSecret', { Name: 'n', SecretString: 's' });
    expect(runSecretsManagerOperation(store, 'GetSecretValue', { SecretId: created['ARN'] })).toMatchObject({ SecretString: 's', VersionId: created['VersionId'] });
    expect(() => runSecretsManagerOperation(store, 'ListSecrets', {})).toThrow('Unknown operation ListSecrets');
  });
});
