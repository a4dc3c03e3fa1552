// `npm run demo`: vaultly end to end on embedded defaults, with no cloud account and no Docker.
import { runCore } from './core.js';
import { runRotation } from './rotation.js';
import { runSsm } from './ssm.js';
import { runVault } from './vault.js';

// The AWS SDK prints an 8-line NodeVersionSupportWarning the first time a client is built on
// Node < 22: it is about the SDK's support window, not vaultly, so the demo leaves it out (your
// own apps still show it). The SDK reads this variable when a client is constructed.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

await runCore();
await runSsm();
await runVault();
await runRotation();
console.log('\ndemo finished');
