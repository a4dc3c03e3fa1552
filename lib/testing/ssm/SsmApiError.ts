/**
 * An error the loopback SSM server answers with: the `__type` SSM puts in the JSON body, the HTTP
 * status SSM documents for it, and a message that never contains a parameter value.
 *
 * @example
 * ```ts
 * throw new SsmApiError('ParameterNotFound', 400, 'Parameter /a/b not found.');
 * ```
 */
export class SsmApiError extends Error {
  /** The error code, sent as `__type`. */
  readonly type: string;
  /** The HTTP status code of the response. */
  readonly statusCode: number;

  constructor(type: string, statusCode: number, message: string) {
    super(message);
    this.name = 'SsmApiError';
    this.type = type;
    this.statusCode = statusCode;
  }

  /** The JSON body SSM sends for this error. */
  toBody(): string {
    return JSON.stringify({ __type: this.type, message: this.message });
  }
}
