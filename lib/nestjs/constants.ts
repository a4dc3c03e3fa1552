/** Whether `VaultlyModule.forRoot` registers a global module (its models injectable everywhere). */
export const DEFAULT_NEST_GLOBAL = false;
