import type { SecretFieldSpec } from './metadata.js';

/**
 * What every instance of one class shares about one of its secret fields: the spec, the class
 * name messages use, and the field's position in the instance's bindings.
 */
export class FieldInfo {
  constructor(
    /** The instance's class name (inherited fields too), for messages. */
    readonly owner: string,
    readonly spec: SecretFieldSpec,
    /** Position in `getSecretFields(class)` and in each instance's bindings. */
    readonly index: number,
    /**
     * The property name under which a fresh value is also an own data property of each bound
     * instance (see `InstanceMirror`), interned; undefined when the field never gets one.
     */
    readonly ownName: string | undefined = undefined,
  ) {
    this.label = fieldLabel(owner, spec);
  }

  /** `Class.property (description)`, for messages. */
  readonly label: string;
}

/** How messages name a field: `Class.property`, with the description when it has one. */
export function fieldLabel(owner: string, spec: SecretFieldSpec): string {
  // The original labels fields with their description in errors; so do we (never a value).
  return `${owner}.${spec.name}${spec.description === undefined ? '' : ` (${spec.description})`}`;
}
