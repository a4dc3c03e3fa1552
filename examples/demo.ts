// `npm run demo`: vaultly end to end on embedded defaults, with no cloud account and no Docker.
import { runCore } from './core.js';

await runCore();
console.log('\ndemo finished');
