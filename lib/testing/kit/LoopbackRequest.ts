/**
 * One request as a loopback server saw it: the shape every server's request log shares. A server
 * adds its own fields (SSM: `names`, `input`; Vault: `token`, `namespace`). Never holds a secret value.
 */
export interface LoopbackRequest {
  /** When the request arrived. */
  readonly at: Date;
  /** The HTTP method. */
  readonly method: string;
  /** The URL path as sent, still percent-encoded, such as `/v1/secret/data/db`. */
  readonly path: string;
  /** The query string's parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The service operation (SSM: `'GetParameters'`; Vault: `'read'`, `'write'`...), `''` when unknown. */
  readonly op: string;
  /** The fault injected into this request, if any. */
  readonly fault: string | undefined;
  /** Whether the request-rate quota throttled this request. */
  readonly throttled: boolean;
}

/** The fields the kit fills in itself; a server describes the rest. */
export type LoopbackRequestBase = Omit<LoopbackRequest, 'op'>;
