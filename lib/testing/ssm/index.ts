export { startSsmServer } from './startSsmServer.js';
export type { SsmServer, SsmServerOptions, SsmSeed, SsmPutOptions, SsmRequestRecord } from './startSsmServer.js';
export { SsmFaults, SSM_FAULT_KINDS } from './SsmFaults.js';
export type { SsmFault, SsmFaultKind, SsmFailOptions } from './SsmFaults.js';
export { SSM_PARAMETER_TYPES } from './SsmParameterStore.js';
export type { SsmParameterType, SsmParameterShape } from './SsmParameterStore.js';
export { SSM_OPERATIONS } from './runSsmOperation.js';
export type { SsmOperation } from './runSsmOperation.js';
