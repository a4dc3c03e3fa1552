/**
 * What an `onChange` listener is told: which field of which model now holds a new value. It
 * carries no value: read the field inside the listener.
 */
export interface ChangeEvent {
  /** The class name of the model that declares the field. */
  readonly model: string;
  /** The property name of the `@Secret` field. */
  readonly field: string;
  /** The resolved secret path. */
  readonly path: string;
  /** The version the field asks for, if any. */
  readonly version: number | string | undefined;
}

/** A function `onChange` calls; what it returns is ignored, but a rejected promise is logged like a throw. */
export type ChangeListener = (event: ChangeEvent) => unknown;
