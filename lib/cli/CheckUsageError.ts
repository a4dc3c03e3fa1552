/** Bad arguments or a bad module for `vaultly check`: printed without a stack, exit code 2. */
export class CheckUsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CheckUsageError';
  }
}
