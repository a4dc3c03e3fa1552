import type * as ClientSsm from '@aws-sdk/client-ssm';
import { requirePeer } from '../requirePeer.js';

/**
 * The parts of `@aws-sdk/client-ssm` the backend uses at run time, loaded through
 * {@link requirePeer} so that a missing SDK says which package to install.
 */
const sdk = requirePeer<typeof ClientSsm>('@aws-sdk/client-ssm', 'vaultly/aws-ssm');

export const { GetParameterCommand, GetParametersCommand, SSMClient } = sdk;
export type SSMClient = ClientSsm.SSMClient;
