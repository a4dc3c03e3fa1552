/** Defaults of the loopback-server kit, in one place. */

/** Interface every loopback server listens on: loopback only, so a test fake is never reachable from outside. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Request bodies above this size are refused by dropping the connection. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** How many matching requests a fault hits when `times` is not given. */
export const DEFAULT_FAULT_TIMES = 1;
