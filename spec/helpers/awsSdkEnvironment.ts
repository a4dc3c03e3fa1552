import { randomUUID } from 'node:crypto';

/**
 * The variables the AWS SDK's region and credential chains read; none may point at a real setup
 * while a test runs those chains.
 */
const AWS_SDK_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
];

/**
 * Registers, in the calling `describe`, hooks that give every test an AWS SDK with no region and
 * no credentials: the `AWS_*` variables are saved and removed, the config files point nowhere and
 * the instance metadata service is disabled (no network here); afterwards they are restored.
 */
export function withoutAwsSdkConfiguration(): void {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const name of AWS_SDK_VARIABLES) saved.set(name, process.env[name]);
    for (const name of AWS_SDK_VARIABLES) delete process.env[name];
    process.env['AWS_CONFIG_FILE'] = `/nonexistent/${randomUUID()}/config`;
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = `/nonexistent/${randomUUID()}/credentials`;
    process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
