import type { ServiceIdentifier } from 'inversify';
import type { Wiring } from './bindModel.js';
import type { ModelBoot } from './ModelBoot.js';

// The model declares what it is injected with; vaultlyModule (container/) provides it, so that
// model/ needs nothing from container/. `Symbol.for` keys, so two copies of vaultly agree.

/** Internal: what a `'none'` or `'paths'` `@SecretModel` is injected with (backend with retries, cache, logger). */
export const WIRING = Symbol.for('vaultly.Wiring') as ServiceIdentifier<Wiring>;

/** Internal: what a `'fetch'` `@SecretModel` is injected with: a {@link ModelBoot} made of the wiring. */
export const BOOT = Symbol.for('vaultly.Boot') as ServiceIdentifier<ModelBoot>;
