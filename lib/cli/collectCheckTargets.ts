import { VaultlyError } from '../errors.js';
import { getNestedFields, getSecretFields, isSecretModelClass } from '../model/metadata.js';
import { renderTemplate } from '../model/template.js';
import { CHECK_STATUS, type CheckRow, type CheckTarget } from './CheckRow.js';
import { CheckUsageError } from './CheckUsageError.js';

/** What a set of models asks for: the secrets to read, and the rows already known to fail. */
export interface CollectedTargets {
  readonly targets: CheckTarget[];
  /** Fields whose path template could not be filled in (a missing context variable, say). */
  readonly unresolved: CheckRow[];
}

/**
 * Resolves every secret path of every model tree (nested models included) the way binding would
 * (the library's own metadata and template rendering, the root's non-secret own properties as
 * context) without binding anything. Fields that resolve to the same path and version share one
 * target, in the order they were first met.
 */
export function collectCheckTargets(models: readonly unknown[]): CollectedTargets {
  const byKey = new Map<string, { path: string; version: number | string | undefined; fields: string[] }>();
  const unresolved: CheckRow[] = [];
  models.forEach((model, index) => {
    const ctor = typeof model === 'object' && model !== null ? model.constructor : undefined;
    if (ctor === undefined || !isSecretModelClass(ctor)) {
      throw new CheckUsageError(`models[${index}] is not an instance of a @SecretModel class`);
    }
    const context = contextOf(model as object);
    visit(ctor, ctor.name, new Set());

    function visit(type: Function, label: string, seen: Set<Function>): void {
      if (seen.has(type)) throw new CheckUsageError(`models[${index}]: nested models form a cycle through ${type.name} (${label})`);
      seen.add(type);
      for (const spec of getSecretFields(type)) {
        const field = `${label}.${spec.name}`;
        let path: string;
        try {
          path = renderTemplate(spec.parts, spec.template, context, field);
        } catch (error) {
          if (!VaultlyError.is(error)) throw error;
          unresolved.push({ path: spec.template, fields: [field], status: CHECK_STATUS.Error, error: error.name, detail: error.message });
          continue;
        }
        const key = spec.version === undefined ? path : `${path}@${String(spec.version)}`;
        const known = byKey.get(key);
        if (known !== undefined) known.fields.push(field);
        else byKey.set(key, { path, version: spec.version, fields: [field] });
      }
      for (const nested of getNestedFields(type)) visit(nested.type, `${label}.${nested.name}`, seen);
      seen.delete(type);
    }
  });
  return { targets: [...byKey.values()], unresolved };
}

/** The root's non-secret own properties: what `{name}` placeholders are filled from. */
function contextOf(instance: object): Map<string, unknown> {
  const hidden = new Set([...getSecretFields(instance.constructor), ...getNestedFields(instance.constructor)].map((f) => f.name));
  const context = new Map<string, unknown>();
  for (const key of Object.keys(instance)) if (!hidden.has(key)) context.set(key, (instance as Record<string, unknown>)[key]);
  return context;
}
