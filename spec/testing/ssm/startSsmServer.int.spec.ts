import { randomUUID } from 'node:crypto';

import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  InvalidNextToken,
  SSMServiceException,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import type { Parameter, SSMClient } from '@aws-sdk/client-ssm';

import { startSsmServer, type SsmServer } from 'vaultly/testing';
import { ssmTestClient, waitFor } from './ssmTestClient.js';
import { rejection } from '../../helpers/outcomes.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');

interface SdkError {
  name: string;
  message: string;
  code?: string;
  $fault?: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

/**
 * Whether the SDK saw the connection drop. Under jest's VM modules, Node's own socket errors come
 * from another realm, fail the SDK's `instanceof Error` and reach us re-wrapped as a plain Error
 * whose message keeps the code; in plain Node they keep `code: 'ECONNRESET'`.
 */
function dropped(error: SdkError): boolean {
  return error.code === 'ECONNRESET' || /ECONNRESET|socket hang up/.test(error.message);
}

describe(startSsmServer.name, () => {
  let server: SsmServer;
  let client: SSMClient;

  beforeEach(async () => {
    server = await startSsmServer({
      now: () => NOW,
      parameters: {
        '/app/plain': 'hello',
        '/app/secret': { value: 's3cr3t', type: 'SecureString' },
        '/app/list': { value: ['a', 'b', 'c'] },
        '/app/db/password': 'pw',
        '/app/db/user': 'admin',
        '/app/db/replica/host': 'replica.local',
        '/other/x': 'x',
        flat: 'no slash',
      },
    });
    client = ssmTestClient(server);
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  const get = (Name: string, WithDecryption = true): Promise<Parameter | undefined> =>
    client.send(new GetParameterCommand({ Name, WithDecryption })).then((o) => o.Parameter);
  const failure = async (promise: Promise<unknown>): Promise<SdkError> => (await rejection(promise)) as SdkError;

  describe('startup', () => {
    it('listens on 127.0.0.1 with a free port', () => {
      expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.endpoint).not.toMatch(/:0$/);
      expect(server.region).toBe('us-east-1');
    });

    it.each([
      [{ region: '' }, /options\.region/],
      [{ accountId: '42' }, /options\.accountId/],
      [{ now: 'today' as unknown as () => Date }, /options\.now/],
    ])('rejects %j with a TypeError naming the option', async (options, name) => {
      await expect(startSsmServer(options)).rejects.toThrow(name);
    });

    it('rejects a seed SSM would refuse', async () => {
      await expect(startSsmServer({ parameters: { 'bad name': 'x' } })).rejects.toThrow(/ValidationException/);
    });

    it('names its region and account in ARNs', async () => {
      const other = await startSsmServer({ region: 'eu-west-1', accountId: '999988887777', parameters: { '/p': 'v' } });
      const otherClient = ssmTestClient(other);
      try {
        const { Parameter } = await otherClient.send(new GetParameterCommand({ Name: '/p' }));
        expect(Parameter?.ARN).toBe('arn:aws:ssm:eu-west-1:999988887777:parameter/p');
      } finally {
        otherClient.destroy();
        await other.close();
      }
    });
  });

  describe('GetParameter', () => {
    it('returns the latest version in SSM shape', async () => {
      server.putParameter('/app/plain', 'hello again');
      const parameter = await get('/app/plain');
      expect(parameter).toEqual({
        Name: '/app/plain',
        Type: 'String',
        Value: 'hello again',
        Version: 2,
        LastModifiedDate: NOW,
        ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/plain',
        DataType: 'text',
      });
    });

    it('gives a name without a leading slash an ARN with one', async () => {
      expect((await get('flat'))?.ARN).toBe('arn:aws:ssm:us-east-1:123456789012:parameter/flat');
    });

    it('reads name:version with Selector ":N"', async () => {
      server.putParameter('/app/plain', 'second');
      const parameter = await get('/app/plain:1');
      expect(parameter).toMatchObject({ Name: '/app/plain', Value: 'hello', Version: 1, Selector: ':1' });
    });

    it('reads name:label with Selector ":label"', async () => {
      server.putParameter('/app/plain', 'second', { labels: ['prod'] });
      server.putParameter('/app/plain', 'third');
      const parameter = await get('/app/plain:prod');
      expect(parameter).toMatchObject({ Name: '/app/plain', Value: 'second', Version: 2, Selector: ':prod' });
    });

    it('decrypts a SecureString only WithDecryption', async () => {
      expect(await get('/app/secret', true)).toMatchObject({ Type: 'SecureString', Value: 's3cr3t' });
      const encrypted = await get('/app/secret', false);
      expect(encrypted?.Type).toBe('SecureString');
      expect(encrypted?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(encrypted?.Value).not.toContain('s3cr3t');
    });

    it('returns a StringList comma-joined', async () => {
      expect(await get('/app/list')).toMatchObject({ Type: 'StringList', Value: 'a,b,c' });
    });

    it('reads a full parameter ARN, with or without a selector, and names the result by it', async () => {
      const arn = 'arn:aws:ssm:us-east-1:123456789012:parameter/app/plain';
      server.putParameter('/app/plain', 'second');
      expect(await get(arn)).toMatchObject({ Name: arn, Value: 'second', Version: 2, ARN: arn });
      expect(await get(`${arn}:1`)).toMatchObject({ Name: arn, Value: 'hello', Selector: ':1' });
      expect(await get('arn:aws:ssm:us-east-1:123456789012:parameter/flat')).toMatchObject({ Name: 'arn:aws:ssm:us-east-1:123456789012:parameter/flat', Value: 'no slash' });
      const batch = await client.send(new GetParametersCommand({ Names: [arn, 'arn:aws:ssm:us-east-1:123456789012:parameter/app/nope'] }));
      expect(batch.Parameters?.map((p) => p.Name)).toEqual([arn]);
      expect(batch.InvalidParameters).toEqual(['arn:aws:ssm:us-east-1:123456789012:parameter/app/nope']);
    });

    it("answers another account's or region's ARN with ParameterNotFound", async () => {
      expect((await failure(get('arn:aws:ssm:us-east-1:999999999999:parameter/app/plain'))).name).toBe('ParameterNotFound');
      expect((await failure(get('arn:aws:ssm:eu-west-1:123456789012:parameter/app/plain'))).name).toBe('ParameterNotFound');
    });

    it('rejects a malformed name with ValidationException', async () => {
      for (const name of ['bad name', '/app//plain', 'app/plain', '/app/plain:', ':1']) {
        const error = await failure(get(name));
        expect(error.name).toBe('ValidationException');
        expect(error.$metadata.httpStatusCode).toBe(400);
      }
    });

    it('rejects a missing name with ParameterNotFound (HTTP 400)', async () => {
      const error = await failure(get('/nope'));
      expect(error).toBeInstanceOf(ParameterNotFound);
      expect(error.name).toBe('ParameterNotFound');
      expect(error.$metadata.httpStatusCode).toBe(400);
    });

    it('rejects a missing version or label with ParameterVersionNotFound', async () => {
      const version = await failure(get('/app/plain:7'));
      expect(version).toBeInstanceOf(ParameterVersionNotFound);
      expect(version.$metadata.httpStatusCode).toBe(400);
      expect((await failure(get('/app/plain:nolabel'))).name).toBe('ParameterVersionNotFound');
    });
  });

  describe('GetParameters', () => {
    it('returns the found parameters in alphabetical order and lists the others in InvalidParameters', async () => {
      server.putParameter('/app/plain', 'second');
      const output = await client.send(
        new GetParametersCommand({ Names: ['/app/secret', '/app/plain', '/nope', '/app/list', '/app/plain:9', 'flat'], WithDecryption: true }),
      );
      // The API reference: "The results for GetParameters requests are listed in alphabetical order".
      expect(output.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
        ['/app/list', 'a,b,c'],
        ['/app/plain', 'second'],
        ['/app/secret', 's3cr3t'],
        ['flat', 'no slash'],
      ]);
      expect(output.InvalidParameters).toEqual(['/nope', '/app/plain:9']);
    });

    it('lists a malformed name in InvalidParameters rather than failing the call', async () => {
      const output = await client.send(new GetParametersCommand({ Names: ['/app/plain', 'bad name', '/app//x', 'rel/path', '/app/plain:'] }));
      expect(output.Parameters?.map((p) => p.Name)).toEqual(['/app/plain']);
      expect(output.InvalidParameters).toEqual(['bad name', '/app//x', 'rel/path', '/app/plain:']);
    });

    it('rejects more than 10 names, or none, with ValidationException', async () => {
      const names = Array.from({ length: 11 }, (_, i) => `/n${i}`);
      const tooMany = await failure(client.send(new GetParametersCommand({ Names: names })));
      expect(tooMany.name).toBe('ValidationException');
      expect(tooMany.$metadata.httpStatusCode).toBe(400);
      expect(tooMany.message).toContain('less than or equal to 10');
      expect((await failure(client.send(new GetParametersCommand({ Names: [] })))).name).toBe('ValidationException');
    });
  });

  describe('GetParametersByPath', () => {
    const byPath = async (Path: string, Recursive: boolean): Promise<string[]> =>
      ((await client.send(new GetParametersByPathCommand({ Path, Recursive }))).Parameters ?? []).map((p) => p.Name ?? '');

    it('returns direct children, or all descendants when Recursive', async () => {
      expect(await byPath('/app/db', false)).toEqual(['/app/db/password', '/app/db/user']);
      expect(await byPath('/app/db/', true)).toEqual(['/app/db/password', '/app/db/replica/host', '/app/db/user']);
      expect(await byPath('/', false)).toEqual([]);
    });

    it('pages with MaxResults and NextToken', async () => {
      const pages: string[][] = [];
      let NextToken: string | undefined;
      do {
        const output = await client.send(
          new GetParametersByPathCommand({ Path: '/app', Recursive: true, MaxResults: 2, WithDecryption: true, ...(NextToken ? { NextToken } : {}) }),
        );
        pages.push((output.Parameters ?? []).map((p) => `${p.Name}=${p.Value}`));
        NextToken = output.NextToken;
      } while (NextToken !== undefined);
      expect(pages).toEqual([
        ['/app/db/password=pw', '/app/db/replica/host=replica.local'],
        ['/app/db/user=admin', '/app/list=a,b,c'],
        ['/app/plain=hello', '/app/secret=s3cr3t'],
      ]);
    });

    it('rejects MaxResults above 10 with ValidationException and a bad NextToken with InvalidNextToken', async () => {
      const max = await failure(client.send(new GetParametersByPathCommand({ Path: '/app', MaxResults: 11 })));
      expect(max.name).toBe('ValidationException');
      for (const NextToken of ['garbage', 'not+base64/url', Buffer.from('99').toString('base64url')]) {
        const token = await failure(client.send(new GetParametersByPathCommand({ Path: '/app', NextToken })));
        expect(token).toBeInstanceOf(InvalidNextToken);
        expect(token.$metadata.httpStatusCode).toBe(400);
      }
    });

    it('filters by ParameterFilters Type, Label and KeyId', async () => {
      server.putParameter('/app/db/password', 'pw2', { type: 'SecureString' });
      server.labelParameterVersion('/app/db/password', ['blue'], 1);
      const names = async (ParameterFilters: { Key: string; Option?: string; Values: string[] }[]): Promise<string[]> =>
        ((await client.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true, WithDecryption: true, ParameterFilters }))).Parameters ?? []).map(
          (p) => `${p.Name}=${p.Value}`,
        );
      expect(await names([{ Key: 'Type', Values: ['SecureString'] }])).toEqual(['/app/db/password=pw2', '/app/secret=s3cr3t']);
      expect(await names([{ Key: 'Type', Option: 'Equals', Values: ['StringList', 'String'] }])).toEqual([
        '/app/db/replica/host=replica.local',
        '/app/db/user=admin',
        '/app/list=a,b,c',
        '/app/plain=hello',
      ]);
      // A Label filter returns the labelled version, not the latest.
      expect(await names([{ Key: 'Label', Values: ['blue'] }])).toEqual(['/app/db/password=pw']);
      expect(await names([{ Key: 'KeyId', Values: ['alias/aws/ssm'] }])).toEqual(['/app/db/password=pw2', '/app/secret=s3cr3t']);
      expect(await names([{ Key: 'KeyId', Values: ['alias/other'] }])).toEqual([]);
    });

    it('refuses a filter key or option SSM does not accept on GetParametersByPath', async () => {
      const refused = (ParameterFilters: { Key: string; Option?: string; Values: string[] }[]): Promise<SdkError> =>
        failure(client.send(new GetParametersByPathCommand({ Path: '/app', ParameterFilters })));
      const key = await refused([{ Key: 'Name', Values: ['/app/plain'] }]);
      expect(key.name).toBe('ValidationException');
      expect(key.message).toContain('filter key is not valid: Name');
      expect((await refused([{ Key: 'Type', Option: 'BeginsWith', Values: ['S'] }])).message).toContain('filter option is not valid: BeginsWith');
      expect((await refused([{ Key: 'Type', Values: [] }])).name).toBe('ValidationException');
    });
  });

  describe('PutParameter', () => {
    it('creates version 1, then new versions with Overwrite', async () => {
      const created = await client.send(new PutParameterCommand({ Name: '/new', Value: 'one', Type: 'SecureString' }));
      expect(created).toMatchObject({ Version: 1, Tier: 'Standard' });
      const updated = await client.send(new PutParameterCommand({ Name: '/new', Value: 'two', Overwrite: true }));
      expect(updated.Version).toBe(2);
      expect(await get('/new')).toMatchObject({ Value: 'two', Version: 2, Type: 'SecureString' });
      expect((await get('/new:1'))?.Value).toBe('one');
    });

    it('rejects an existing name without Overwrite with ParameterAlreadyExists', async () => {
      const error = await failure(client.send(new PutParameterCommand({ Name: '/app/plain', Value: 'x' })));
      expect(error).toBeInstanceOf(ParameterAlreadyExists);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect((await get('/app/plain'))?.Version).toBe(1);
    });

    it('rejects a new parameter without Type, and a bad name, with ValidationException', async () => {
      expect((await failure(client.send(new PutParameterCommand({ Name: '/typeless', Value: 'x' })))).name).toBe(
        'ValidationException',
      );
      expect((await failure(client.send(new PutParameterCommand({ Name: 'a b', Value: 'x', Type: 'String' })))).name).toBe(
        'ValidationException',
      );
    });
  });

  describe('LabelParameterVersion', () => {
    it('labels a version, moves a label, and lists invalid labels', async () => {
      server.putParameter('/app/plain', 'second');
      const first = await client.send(
        new LabelParameterVersionCommand({ Name: '/app/plain', ParameterVersion: 1, Labels: ['stable', '1bad', 'awsy'] }),
      );
      expect(first).toMatchObject({ ParameterVersion: 1, InvalidLabels: ['1bad', 'awsy'] });
      expect((await get('/app/plain:stable'))?.Value).toBe('hello');
      const moved = await client.send(new LabelParameterVersionCommand({ Name: '/app/plain', Labels: ['stable'] }));
      expect(moved.ParameterVersion).toBe(2);
      expect((await get('/app/plain:stable'))?.Value).toBe('second');
    });

    it('rejects a missing version with ParameterVersionNotFound', async () => {
      const error = await failure(client.send(new LabelParameterVersionCommand({ Name: '/app/plain', ParameterVersion: 5, Labels: ['x'] })));
      expect(error.name).toBe('ParameterVersionNotFound');
    });
  });

  describe('DeleteParameter', () => {
    it('deletes every version', async () => {
      await client.send(new DeleteParameterCommand({ Name: '/app/plain' }));
      expect((await failure(get('/app/plain:1'))).name).toBe('ParameterNotFound');
      expect((await failure(client.send(new DeleteParameterCommand({ Name: '/app/plain' })))).name).toBe('ParameterNotFound');
    });
  });

  describe('protocol', () => {
    const post = (headers: Record<string, string>, body = '{}'): Promise<Response> =>
      fetch(`${server.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body });

    it('answers with JSON 1.1, a real Date and x-amzn-RequestId', async () => {
      const response = await post({ 'x-amz-target': 'AmazonSSM.GetParameter', authorization: 'AWS4-HMAC-SHA256 x' }, '{"Name":"/app/plain"}');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      const date = Date.parse(response.headers.get('date') ?? '');
      expect(Math.abs(date - Date.now())).toBeLessThan(60_000);
      expect(((await response.json()) as { Parameter: { Value: string } }).Parameter.Value).toBe('hello');
    });

    it('answers an unknown target with UnknownOperationException and a missing signature with MissingAuthenticationTokenException', async () => {
      const unknown = await post({ 'x-amz-target': 'AmazonSSM.FlyToTheMoon', authorization: 'AWS4-HMAC-SHA256 x' });
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');
      const unsigned = await post({ 'x-amz-target': 'AmazonSSM.GetParameter' }, '{"Name":"/app/plain"}');
      expect(unsigned.status).toBe(400);
      expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    });

    it('answers a body that is not a JSON object with SerializationException', async () => {
      const response = await post({ 'x-amz-target': 'AmazonSSM.GetParameter', authorization: 'AWS4-HMAC-SHA256 x' }, '[1,2');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { __type: string }).__type).toBe('SerializationException');
    });
  });

  describe('request log', () => {
    it('records each request with op, names, input and time, never a Value', async () => {
      const canary = `CANARY-${randomUUID()}`;
      const before = Date.now();
      await get('/app/plain');
      await client.send(new GetParametersCommand({ Names: ['/app/plain', '/nope'] }));
      await client.send(new PutParameterCommand({ Name: '/p', Value: canary, Type: 'SecureString' }));
      expect(server.requests.map((r) => [r.op, r.names])).toEqual([
        ['GetParameter', ['/app/plain']],
        ['GetParameters', ['/app/plain', '/nope']],
        ['PutParameter', ['/p']],
      ]);
      expect(server.requests[2]?.input).toEqual({ Name: '/p', Type: 'SecureString' });
      expect(server.requests.every((r) => r.at.getTime() >= before && r.fault === undefined)).toBe(true);
      expect(JSON.stringify(server.requests)).not.toContain(canary);
      expect(server.requestCount('GetParameters')).toBe(1);
      expect(server.requestCount()).toBe(3);
      server.clearRequests();
      expect(server.requests).toEqual([]);
    });
  });

  describe('faults', () => {
    it("failNext('throttle', { times: n }) answers n requests with ThrottlingException, then recovers", async () => {
      server.faults.failNext('throttle', { times: 2 });
      for (let i = 0; i < 2; i++) {
        const error = await failure(get('/app/plain'));
        expect(error).toBeInstanceOf(ThrottlingException);
        expect(error.message).toBe('Rate exceeded');
        expect(error.$metadata.httpStatusCode).toBe(400);
      }
      expect((await get('/app/plain'))?.Value).toBe('hello');
      expect(server.requests.map((r) => r.fault)).toEqual(['throttle', 'throttle', undefined]);
    });

    it("failNext('error') answers InternalServerError 500, or the status and code given", async () => {
      server.faults.failNext('error').failNext('error', { status: 503, code: 'ServiceUnavailable' });
      const internal = await failure(get('/app/plain'));
      expect(internal.name).toBe('InternalServerError');
      expect(internal.$metadata.httpStatusCode).toBe(500);
      expect(internal.$fault).toBe('server');
      const unavailable = await failure(get('/app/plain'));
      expect(unavailable.name).toBe('ServiceUnavailable');
      expect(unavailable.$metadata.httpStatusCode).toBe(503);
    });

    it("failNext('credentials') answers UnrecognizedClientException, or the code given", async () => {
      server.faults.failNext('credentials').failNext('credentials', { code: 'ExpiredTokenException' });
      const unrecognized = await failure(get('/app/plain'));
      expect(unrecognized).toBeInstanceOf(SSMServiceException);
      expect(unrecognized.name).toBe('UnrecognizedClientException');
      expect(unrecognized.$metadata.httpStatusCode).toBe(400);
      expect((await failure(get('/app/plain'))).name).toBe('ExpiredTokenException');
    });

    it("failNext('hang') never answers, until the client times out", async () => {
      // Long enough for a loaded machine to log the request before the client gives up.
      const impatient = ssmTestClient(server, { requestHandler: { requestTimeout: 400, throwOnRequestTimeout: true } });
      try {
        server.faults.failNext('hang');
        const error = await failure(impatient.send(new GetParameterCommand({ Name: '/app/plain' })));
        expect(error.name).toBe('TimeoutError');
        expect(server.requests[0]?.fault).toBe('hang');
        expect((await get('/app/plain'))?.Value).toBe('hello');
      } finally {
        impatient.destroy();
      }
    });

    it("failNext('reset') drops the connection without an answer", async () => {
      server.faults.failNext('reset');
      const error = await failure(get('/app/plain'));
      expect(dropped(error)).toBe(true);
      expect(error.$metadata.httpStatusCode).toBeUndefined();
      expect((await get('/app/plain'))?.Value).toBe('hello');
    });

    it("failNext('malformed') sends a truncated body, or the body given", async () => {
      server.faults.failNext('malformed').failNext('malformed', { body: '<html>oops</html>' });
      const truncated = await failure(get('/app/plain'));
      expect(truncated.name).toBe('SyntaxError');
      expect(truncated.$metadata.httpStatusCode).toBe(200);
      expect((await failure(get('/app/plain'))).name).toBe('SyntaxError');
    });

    it('setLatency delays every answer, in milliseconds, until changed', async () => {
      const impatient = ssmTestClient(server, { requestHandler: { requestTimeout: 20, throwOnRequestTimeout: true } });
      try {
        server.faults.setLatency(300);
        expect((await failure(impatient.send(new GetParameterCommand({ Name: '/app/plain' })))).name).toBe('TimeoutError');
        expect((await failure(impatient.send(new GetParameterCommand({ Name: '/app/plain' })))).name).toBe('TimeoutError');
        server.faults.setLatency(0);
        expect((await get('/app/plain'))?.Value).toBe('hello');
      } finally {
        impatient.destroy();
      }
    });

    it('applies queued faults in order, one per request, and clear() drops them', async () => {
      server.faults.failNext('throttle').failNext('error').failNext('reset');
      expect(server.faults.pending).toBe(3);
      expect((await failure(get('/app/plain'))).name).toBe('ThrottlingException');
      expect((await failure(get('/app/plain'))).name).toBe('InternalServerError');
      server.faults.clear();
      expect(server.faults.pending).toBe(0);
      expect((await get('/app/plain'))?.Value).toBe('hello');
    });

    it('rejects a bad kind, times or latency with a TypeError naming it', () => {
      expect(() => server.faults.failNext('throttle', { times: 0 })).toThrow(/options\.times/);
      expect(() => server.faults.failNext('error', { times: 1.5 })).toThrow(TypeError);
      expect(() => server.faults.setLatency(-1)).toThrow(/latency/);
      expect(() => server.faults.failNext('sealed' as 'error')).toThrow("startSsmServer: faults.failNext: kind must be one of 'throttle', 'error', 'credentials', 'hang', 'reset', 'malformed', got 'sealed'");
    });

    it("names the expected shape when given another server's fault object (issue #13)", () => {
      // 0.1's Vault server took { status, errors }; 0.1's SSM server then said "count must be a positive integer, got [object Object]".
      expect(() => server.faults.failNext({ status: 412, errors: [] } as unknown as 'error')).toThrow(/kind must be one of .*got a object/);
    });

    it('fails only the requests that match, and Infinity times fails every one', async () => {
      server.faults.failNext('error', { times: Number.POSITIVE_INFINITY, match: (r) => r.names.includes('/app/secret') });
      expect((await get('/app/plain'))?.Value).toBe('hello');
      expect((await failure(get('/app/secret'))).name).toBe('InternalServerError');
      expect((await failure(get('/app/secret'))).name).toBe('InternalServerError');
      expect(server.faults.pending).toBe(Number.POSITIVE_INFINITY);
    });

    it('drops faults, latency and quota on close', async () => {
      server.faults.failNext('error').setLatency(5).setQuota({ rate: 1 });
      await server.close();
      expect(server.faults.pending).toBe(0);
      expect(server.faults.latencyMs).toBe(0);
      expect(server.faults.quotaOn).toBe(false);
    });
  });

  describe('seeding', () => {
    it('putParameter returns the new version and labels it', () => {
      expect(server.putParameter('/app/plain', 'v2', { labels: ['current'] })).toBe(2);
      expect(server.labelParameterVersion('/app/plain', ['old'], 1)).toBe(1);
      expect(() => server.labelParameterVersion('/app/plain', ['9lives'])).toThrow(/9lives/);
      expect(() => server.putParameter('bad name', 'x')).toThrow(/ValidationException/);
    });

    it('deleteParameter removes a parameter', async () => {
      server.deleteParameter('/app/plain');
      expect((await failure(get('/app/plain'))).name).toBe('ParameterNotFound');
      expect(() => server.deleteParameter('/app/plain')).toThrow(/ParameterNotFound/);
    });
  });

  describe('close', () => {
    it('destroys a hanging connection and is idempotent', async () => {
      server.faults.failNext('hang');
      const pending = failure(get('/app/plain'));
      await waitFor(() => server.requestCount() === 1);
      await Promise.all([server.close(), server.close()]);
      expect(dropped(await pending)).toBe(true);
    });

    it('ends a request waiting out its latency', async () => {
      server.faults.setLatency(10_000);
      const pending = failure(get('/app/plain'));
      await waitFor(() => server.requestCount() === 1);
      await server.close();
      expect(dropped(await pending)).toBe(true);
    });
  });
});
