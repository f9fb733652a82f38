import { validate, type ValidationError } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import { badUserInput, type FieldError } from './errors';

function flatten(errors: ValidationError[], path: (string | number)[]): FieldError[] {
  return errors.flatMap((e) => {
    const here = [...path, e.property];
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path: here, message }));
    return [...own, ...flatten(e.children ?? [], here)];
  });
}

/**
 * type-graphql's validateFn: class-validator on every input object, failing with BAD_USER_INPUT
 * whose `fields` carry the path from the argument name, e.g. ["input", "email"].
 * Rejected values are never echoed back.
 */
export const validateInput: ValidatorFn = async (value, _type, { args }) => {
  if (value === null || typeof value !== 'object') return;
  const objectArgs = Object.entries(args).filter(([, v]) => v !== null && typeof v === 'object');
  const argName = objectArgs.length === 1 ? objectArgs[0][0] : 'input';
  const items = Array.isArray(value) ? value : [value];
  const fields: FieldError[] = [];
  for (const [i, item] of items.entries()) {
    const errors = await validate(item, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    fields.push(...flatten(errors, Array.isArray(value) ? [argName, i] : [argName]));
  }
  if (fields.length) throw badUserInput(fields);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id argument must look like one of ours, or the call is BAD_USER_INPUT naming it. */
export function parseId(value: string, path: (string | number)[]): string {
  if (!UUID.test(value)) throw badUserInput([{ path, message: 'must be a valid id' }]);
  return value.toLowerCase();
}
export const isId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
