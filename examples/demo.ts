// `npm run demo`: vaultly end to end on embedded defaults, with no cloud account and no Docker.
import { runCore } from './core.js';
import { runSsm } from './ssm.js';
import { runVault } from './vault.js';

await runCore();
await runSsm();
await runVault();
console.log('\ndemo finished');
