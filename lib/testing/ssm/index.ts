export { startSsmServer, SSM_FAULT_KINDS } from './startSsmServer.js';
export type { SsmServer, SsmServerOptions, SsmSeed, SsmPutOptions, SsmRequestRecord, SsmFaultKind } from './startSsmServer.js';
export { SSM_PARAMETER_TYPES } from './SsmParameterStore.js';
export type { SsmParameterType, SsmParameterShape } from './SsmParameterStore.js';
export { SSM_OPERATIONS } from './runSsmOperation.js';
export type { SsmOperation } from './runSsmOperation.js';
