import { validate, ValidateBy, type ValidationError, type ValidationOptions } from 'class-validator';
import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
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
 * Control characters allowed in string input: tab, line feed and carriage return, which text
 * legitimately holds (prompt templates, descriptions, CRLF pasted from Windows). Every other C0
 * and C1 control (U+0000–U+001F, U+007F–U+009F) is refused: NUL cannot be stored in PostgreSQL
 * text, and the rest only ever arrive by mistake or by attack (terminal escapes in logs).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
export const hasForbiddenControl = (text: string): boolean => FORBIDDEN_CONTROL.test(text);
const CONTROL_MESSAGE = 'must not contain control characters (tab and line breaks are allowed)';

/** A custom scalar's input that did not parse (see `lenientScalar`): reported by `validateInput`, naming where it was. */
export class InvalidScalarValue {
  constructor(readonly message: string) {}

  // Every resolver's arguments pass validateInput first; should one ever get here unchecked
  // (a `subscribe` function reads raw args), using it fails loudly instead of storing garbage.
  valueOf(): never {
    throw new Error(`An unvalidated invalid scalar value was used (${this.message})`);
  }
  toString(): never {
    return this.valueOf();
  }
}

/**
 * The same scalar, but a value it refuses becomes an `InvalidScalarValue` instead of failing
 * graphql-js' coercion: there the error names a variable, or is a validation error with HTTP
 * 400 that no argument name can be attached to. `validateInput` then reports it as
 * BAD_USER_INPUT with the argument's path (["input", "at"], ["from"]), as for any other field.
 */
export function lenientScalar(scalar: GraphQLScalarType, message: string): GraphQLScalarType {
  const config = scalar.toConfig();
  return new GraphQLScalarType({
    ...config,
    parseValue: (value) => {
      try {
        return config.parseValue!(value);
      } catch {
        return new InvalidScalarValue(message);
      }
    },
    parseLiteral: (node, variables) => {
      try {
        return config.parseLiteral!(node, variables);
      } catch {
        return new InvalidScalarValue(message);
      }
    },
  });
}

/** `DateTime` (graphql-scalars', same name and description) whose refused values are reported by `validateInput`. */
export const DateTimeScalar = lenientScalar(GraphQLDateTime, 'must be a date-time such as 2026-01-31T12:00:00Z (RFC 3339)');

/**
 * Every string anywhere in a field's arguments (input objects, lists, JSON scalars — their keys
 * too) checked for control characters, and every custom scalar value that did not parse: one
 * walk, without recursion, so deeply nested JSON cannot overflow the stack.
 */
export function argumentProblems(args: Record<string, unknown>): FieldError[] {
  const fields: FieldError[] = [];
  const pending: Array<[unknown, (string | number)[]]> = Object.entries(args).map(([name, value]) => [value, [name]]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (FORBIDDEN_CONTROL.test(value)) fields.push({ path, message: CONTROL_MESSAGE });
    } else if (value instanceof InvalidScalarValue) {
      fields.push({ path, message: value.message });
    } else if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) fields.push({ path, message: 'must be a valid date-time' });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, [...path, i]]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (FORBIDDEN_CONTROL.test(key)) fields.push({ path: [...path, key], message: `keys ${CONTROL_MESSAGE}` });
        pending.push([item, [...path, key]]);
      }
    }
  }
  return fields.reverse();
}

/** Arguments already walked: type-graphql calls validateFn once per parameter, with the same `args`. */
const walked = new WeakSet<object>();

/**
 * type-graphql's validateFn, the one place input is checked before any resolver runs: first
 * every argument for control characters and unparsable scalar values (`argumentProblems`), then
 * class-validator on every input object; failing with BAD_USER_INPUT whose `fields` carry the
 * path from the argument name, e.g. ["input", "email"]. Rejected values are never echoed back.
 */
export const validateInput: ValidatorFn = async (value, _type, { args }) => {
  if (!walked.has(args)) {
    walked.add(args);
    const problems = argumentProblems(args);
    if (problems.length) throw badUserInput(problems);
  }
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

/**
 * Characters a name shown to other people must not hold: control characters (a name is one
 * line), format characters — bidirectional overrides and isolates (U+202A–E, U+2066–9), which
 * reorder how the text around them renders, and zero-width characters (U+200B–D, U+2060,
 * U+FEFF), which make two different names look identical — and line/paragraph separators.
 * Specific to names; the rule against control characters in every string input is global.
 */
const HIDDEN_IN_NAMES = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A display name (a user's, an organization's): rejected with BAD_USER_INPUT naming the field. */
export const IsDisplayName = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isDisplayName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !HIDDEN_IN_NAMES.test(value),
        defaultMessage: (args) => `${args?.property ?? 'name'} must not contain control, bidirectional or zero-width characters`,
      },
    },
    options,
  );
