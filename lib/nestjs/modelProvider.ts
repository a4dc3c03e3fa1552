import type { FactoryProvider, InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import { bindModel, type Wiring } from '../model/bindModel.js';
import { getModelOptions, ValidateMode } from '../model/metadata.js';
import type { ModelClass, VaultlyModelEntry } from './VaultlyForRootOptions.js';
import { VAULTLY_NEST } from './tokens.js';

/** A model entry, checked and brought to one shape. */
export interface ModelSpec {
  readonly model: ModelClass;
  readonly construct: (...injected: unknown[]) => object | Promise<object>;
  readonly inject: ReadonlyArray<InjectionToken | OptionalFactoryDependency>;
}

/**
 * Checks `options.models[index]` and brings it to one shape.
 *
 * @throws TypeError naming the entry when it is not a `@SecretModel` class or a valid provider
 */
export function modelSpecOf(entry: VaultlyModelEntry, index: number): ModelSpec {
  const where = `VaultlyModule.forRoot: options.models[${index}]`;
  if (typeof entry === 'function') return { model: checkedModel(entry, where), construct: constructorOf(entry), inject: [] };
  if (typeof entry !== 'object' || entry === null) {
    throw new TypeError(`${where} must be a @SecretModel class or { model, useFactory?, inject? }`);
  }
  const model = checkedModel(entry.model, `${where}.model`);
  const { useFactory, inject = [] } = entry;
  if (useFactory !== undefined && typeof useFactory !== 'function') throw new TypeError(`${where}.useFactory must be a function`);
  if (!Array.isArray(inject)) throw new TypeError(`${where}.inject must be an array of provider tokens`);
  const construct = useFactory === undefined ? constructorOf(model) : (useFactory as (...injected: unknown[]) => object | Promise<object>);
  return { model, construct, inject: [...inject] };
}

function checkedModel(model: unknown, where: string): ModelClass {
  if (typeof model !== 'function' || getModelOptions(model) === undefined) {
    const name = typeof model === 'function' && model.name !== '' ? ` (${model.name})` : '';
    throw new TypeError(`${where}${name} must be a class decorated with @SecretModel()`);
  }
  return model as ModelClass;
}

function constructorOf(model: ModelClass): (...injected: unknown[]) => object {
  return (...injected) => new (model as new (...args: unknown[]) => object)(...injected);
}

/**
 * The Nest provider of one model: constructs it, binds it to the module's wiring and, for
 * `validate: 'fetch'`, prefetches it, so that a missing secret rejects the app's start-up with
 * vaultly's own error.
 */
export function modelProvider(spec: ModelSpec): FactoryProvider<object> {
  const { model, construct, inject } = spec;
  return {
    provide: model,
    inject: [VAULTLY_NEST.Wiring, ...inject],
    useFactory: async (wiring: Wiring, ...injected: unknown[]): Promise<object> => {
      try {
        const instance: unknown = await construct(...injected);
        if (!(instance instanceof model)) {
          throw new TypeError(`VaultlyModule: the useFactory of ${model.name} must return an instance of ${model.name}`);
        }
        const { runtime, options } = bindModel(instance, wiring);
        if (options.validate === ValidateMode.Fetch) await runtime.prefetch();
        return instance;
      } catch (error) {
        // The app will not start, and Nest runs no shutdown hook for it: dispose the whole module
        // instance here (this model and those prefetched before it, with their expiry timers).
        wiring.cache.dispose();
        throw error;
      }
    },
  };
}
