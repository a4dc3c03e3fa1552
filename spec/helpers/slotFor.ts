import { FieldInfo } from '../../lib/model/FieldInfo.js';
import type { SecretFieldSpec } from '../../lib/model/metadata.js';
import { Slot } from '../../lib/model/Slot.js';

/** A field of class `Model`, as `@Secret(path, ttl)` would record it (a String property unless `designType` says otherwise). */
export function fieldFor(name: string, path: string, options: { ttl?: number | undefined; version?: number | string; index?: number; designType?: unknown } = {}): FieldInfo {
  const spec: SecretFieldSpec = {
    name,
    template: path,
    parts: [],
    ttl: options.ttl,
    version: options.version,
    transform: undefined,
    description: undefined,
    designType: options.designType ?? String,
  };
  return new FieldInfo('Model', spec, options.index ?? 0);
}

/** A slot for `path`, its first field a String property named after the path's last segment. */
export function slotFor(path: string, options: { ttl?: number; version?: number | string; designType?: unknown } = {}): Slot {
  return new Slot(path, fieldFor(path.split('/').pop() ?? 'field', path, options));
}
