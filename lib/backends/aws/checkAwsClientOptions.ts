/** The client options every AWS backend takes: a region, a ready client, or a client configuration. */
export interface AwsClientOptions {
  /** Region of the client the backend builds (wins over `clientConfig.region`). */
  region?: string | undefined;
  /** A ready client, used as given. Cannot be combined with `region` or `clientConfig`. */
  client?: unknown;
  /** Configuration of the client the backend builds. */
  clientConfig?: unknown;
}

/**
 * Rejects a bad `region`, `clientConfig` or `client`, and a `client` combined with either of the
 * others, with a `TypeError` naming the option.
 *
 * @param where - the backend's name, first in the message
 * @param clientName - what `options.client` must be (`'an SSMClient'`)
 * @param options - the backend's options
 * @throws TypeError naming the option
 * @example
 * ```ts
 * checkAwsClientOptions('AWSSSMBackend', 'an SSMClient', options);
 * ```
 */
export function checkAwsClientOptions(where: string, clientName: string, options: AwsClientOptions): void {
  const { region, client, clientConfig } = options;
  if (region !== undefined && (typeof region !== 'string' || region.length === 0)) {
    throw new TypeError(`${where}: options.region must be a non-empty string`);
  }
  if (clientConfig !== undefined && (typeof clientConfig !== 'object' || clientConfig === null)) {
    throw new TypeError(`${where}: options.clientConfig must be an object`);
  }
  if (client === undefined) return;
  if (typeof client !== 'object' || client === null || typeof (client as { send?: unknown }).send !== 'function') {
    throw new TypeError(`${where}: options.client must be ${clientName}`);
  }
  if (region !== undefined || clientConfig !== undefined) {
    throw new TypeError(`${where}: options.client cannot be combined with options.region or options.clientConfig`);
  }
}
