import { generateModel, makePaths, makeValue } from './generateModel.js';

/** Model classes made at run time, and the values their fields read. */
export interface GeneratedModels {
  /** One class per model, each with fields `k0`...`k{fields - 1}`. */
  readonly classes: readonly (new () => object)[];
  /** Every path of every class, with its value. */
  readonly values: Readonly<Record<string, string>>;
  /** The paths of each class, by class. */
  readonly paths: readonly (readonly string[])[];
}

/**
 * `count` distinct model classes (`${prefix}0Config`, `${prefix}1Config`...), each with `fields`
 * string secrets of `valueLength` characters under paths of its own.
 *
 * @example
 * ```ts
 * const { classes, values } = generateModels('Many', 20, 10, 32);
 * const backend = new MockBackend(values);
 * ```
 */
export function generateModels(prefix: string, count: number, fields: number, valueLength: number): GeneratedModels {
  const classes: (new () => object)[] = [];
  const paths: string[][] = [];
  const values: Record<string, string> = {};
  for (let c = 0; c < count; c++) {
    const own = makePaths(`/bench/${prefix.toLowerCase()}${c}`, fields);
    own.forEach((path, i) => {
      values[path] = makeValue(c * fields + i, valueLength);
    });
    paths.push(own);
    classes.push(generateModel(`${prefix}${c}Config`, own));
  }
  return { classes, values, paths };
}
