import { SSMClient } from '@aws-sdk/client-ssm';

/** One answer of {@link inProcessSsmClient}'s handler: an HTTP status, headers and a JSON body. */
export interface SsmAnswer {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

/** What the handler was asked: the operation (`'GetParameters'`) and the request's JSON input. */
export interface SsmAsked {
  operation: string;
  input: { Names?: string[]; Name?: string };
}

/**
 * A real `SSMClient` (its middleware, signing and parsing all run) whose requests `answer` answers
 * in this process, without a socket: for tests that need the SDK's own stack, and control over when
 * each answer comes, on a fake clock. `asked` lists every request that reached the wire, in order.
 */
export function inProcessSsmClient(answer: (asked: SsmAsked, n: number) => SsmAnswer | Promise<SsmAnswer>): {
  client: SSMClient;
  asked: SsmAsked[];
} {
  const asked: SsmAsked[] = [];
  const requestHandler = {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const target = request.headers['x-amz-target'] ?? '';
      const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
      const one: SsmAsked = { operation: target.replace(/^AmazonSSM\./, ''), input: JSON.parse(text) as SsmAsked['input'] };
      asked.push(one);
      const { status, headers = {}, body } = await answer(one, asked.length);
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
          body: Buffer.from(JSON.stringify(body)),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret' },
    maxAttempts: 1,
    requestHandler,
  });
  return { client, asked };
}

/** The answer SSM gives a `GetParameters` call that found every name: each value is `v:<name>`. */
export function foundAll(asked: SsmAsked): SsmAnswer {
  const names = asked.input.Names ?? [asked.input.Name as string];
  return { status: 200, body: { Parameters: names.map((name) => ({ Name: name, Value: `v:${name}`, Type: 'String' })), InvalidParameters: [] } };
}

/** SSM's throttling answer, with the headers given (a `Retry-After`, say). */
export function throttled(headers: Record<string, string> = {}): SsmAnswer {
  return { status: 400, headers, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
}

/**
 * Records the first name of each command `client` has built and signed, as it heads for the wire
 * (a middleware of the client's deserialize step, ahead of the SDK's deserializer and of a wire
 * slot's wait). Returns the list it fills.
 */
export function spyReady(client: SSMClient): string[] {
  const readied: string[] = [];
  client.middlewareStack.add(
    (next) => (args) => {
      const input = args.input as { Names?: string[]; Name?: string };
      readied.push(input.Names?.[0] ?? input.Name ?? '');
      return next(args);
    },
    { step: 'deserialize', priority: 'high', name: 'spyReady' },
  );
  return readied;
}
