/** The loopback-server kit every server of `vaultly/testing` is built on. */
export { startLoopbackServer } from './startLoopbackServer.js';
export type { LoopbackServer, LoopbackServerOptions, LoopbackProtocol, LoopbackIncoming, LoopbackResponse } from './startLoopbackServer.js';
export { Faults, COMMON_FAULT_KINDS } from './Faults.js';
export type { FaultOptions, ArmedFault, CommonFaultKind } from './Faults.js';
export { TokenBucket } from './TokenBucket.js';
export type { QuotaOptions } from './TokenBucket.js';
export type { LoopbackRequest } from './LoopbackRequest.js';
export { LOOPBACK_HOST, DEFAULT_MAX_BODY_BYTES } from './constants.js';
