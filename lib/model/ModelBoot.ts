import { bindModel, type Wiring } from './bindModel.js';
import { ValidateMode } from './metadata.js';
import { kWiring } from './symbols.js';

/**
 * Binds a container-made model to its wiring; a `'fetch'` model is then prefetched, and disposed
 * again if that fails, so that a failed boot leaves no background work behind.
 *
 * @returns the prefetch of a `'fetch'` model, otherwise `undefined`
 */
export function bootModel(model: object, wiring: Wiring): Promise<void> | undefined {
  const { runtime, options } = bindModel(model, wiring);
  if (options.validate !== ValidateMode.Fetch) return undefined;
  return runtime.prefetch().catch((error: unknown) => {
    runtime.dispose();
    throw error;
  });
}

/**
 * What inversify injects into a `'fetch'` model: a promise-like made of the container's wiring.
 * inversify awaits a promise-like injected property before it runs the `@postConstruct` hooks, and
 * passes on its rejection as it is, while it wraps every error from a hook in an error of its own
 * ("Unexpected error found when calling ..."). Booting the model here therefore makes
 * `getAsync` reject with vaultly's own error (a `SecretNotFoundError` naming every missing path).
 *
 * The model's property setter {@link ModelBoot.attach | attaches} the model before inversify awaits
 * the boot. A boot awaited without a model (an inversify that awaits before it assigns) resolves
 * to the wiring, and the model's `@postConstruct` hook boots it instead.
 */
export class ModelBoot implements PromiseLike<Wiring | undefined> {
  readonly #wiring: Wiring;
  #model: object | undefined;
  #outcome: Promise<Wiring | undefined> | undefined;

  constructor(wiring: Wiring) {
    this.#wiring = wiring;
  }

  /** The model this boot is for; the first one given wins. */
  attach(model: object): void {
    this.#model ??= model;
  }

  /** Boots the attached model (once) and settles with `undefined`, or with the wiring when none is attached. */
  then<A = Wiring | undefined, B = never>(
    onFulfilled?: ((value: Wiring | undefined) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#outcome ??= this.#run();
    return this.#outcome.then(onFulfilled, onRejected);
  }

  #run(): Promise<Wiring | undefined> {
    const model = this.#model;
    if (model === undefined) return Promise.resolve(this.#wiring);
    // Taken off before the boot writes values through as own properties: deleted later (by the
    // @postConstruct hook) it would no longer be the instance's last property, and deleting any
    // other one turns the instance into a slow dictionary-mode object for good.
    delete (model as { [kWiring]?: unknown })[kWiring];
    try {
      return Promise.resolve(bootModel(model, this.#wiring)).then(() => undefined);
    } catch (error) {
      // bindModel refuses a bad template synchronously: still a rejection of the boot.
      return Promise.reject(error);
    }
  }
}
