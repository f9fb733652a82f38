import { registerEnumType } from 'type-graphql';

/**
 * A GraphQL enum derived from one `as const` list (each value its own name), registered with
 * type-graphql. The list stays the source: entities and services type their fields by it, and
 * `@Field(() => Enum)` declares the same values to the API.
 *
 *     export const PLAN_INTERVALS = ['MONTH', 'YEAR'] as const;                       // entity file
 *     export const BillingInterval = registerEnum(PLAN_INTERVALS, { name: 'BillingInterval' });
 */
export function registerEnum<const V extends string>(
  values: readonly V[],
  options: { name: string; description?: string },
): { [K in V]: K } {
  const enumObject = Object.fromEntries(values.map((v) => [v, v])) as { [K in V]: K };
  registerEnumType(enumObject, options);
  return enumObject;
}
