/** Keys of vaultly's own non-enumerable slots on model instances and prototypes. */

/** Where inversify injects the container's wiring before `kInit` runs. */
export const kWiring: unique symbol = Symbol('vaultly.wiring');
/** The `@postConstruct` hook that binds a container-made model. */
// inversify quotes this name when it wraps an error from the hook, so it reads as a hint.
export const kInit: unique symbol = Symbol('vaultly: bind secrets, see the cause');
/** The `@preDestroy` hook that disposes a container-made model. */
export const kDispose: unique symbol = Symbol('vaultly.dispose');
/** Marks a prototype whose masking methods are installed. */
export const kMasked: unique symbol = Symbol('vaultly.masked');
