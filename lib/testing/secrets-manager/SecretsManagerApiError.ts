/**
 * An error the loopback Secrets Manager server answers with: the `__type` Secrets Manager puts in
 * the JSON body, the HTTP status it sends, and a message that never contains a secret value.
 *
 * @example
 * ```ts
 * throw new SecretsManagerApiError('ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret.");
 * ```
 */
export class SecretsManagerApiError extends Error {
  /** The error code, sent as `__type`. */
  readonly type: string;
  /** The HTTP status code of the response. */
  readonly statusCode: number;

  constructor(type: string, statusCode: number, message: string) {
    super(message);
    this.name = 'SecretsManagerApiError';
    this.type = type;
    this.statusCode = statusCode;
  }

  /** The JSON body Secrets Manager sends for this error. */
  toBody(): string {
    return JSON.stringify({ __type: this.type, Message: this.message });
  }

  /** A 400 `InvalidParameterException`. */
  static invalidParameter(message: string): SecretsManagerApiError {
    return new SecretsManagerApiError('InvalidParameterException', 400, message);
  }

  /** A 400 `ResourceNotFoundException`. */
  static notFound(message = "Secrets Manager can't find the specified secret."): SecretsManagerApiError {
    return new SecretsManagerApiError('ResourceNotFoundException', 400, message);
  }
}
