import type { CombinedError } from 'urql';

/**
 * Turns a failed operation into what a form shows: messages for its fields (from
 * BAD_USER_INPUT's `extensions.fields: [{ path: ["input", "email"], message }]`) and
 * banner messages for everything else.
 */
export interface FormErrors {
  /** message per field, keyed by the path under `input` joined with "." (e.g. "email") */
  fields: Record<string, string>;
  /** messages not attached to a known field, in order, without duplicates */
  messages: string[];
}

export const NO_ERRORS: FormErrors = { fields: {}, messages: [] };

interface FieldError {
  path: (string | number)[];
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldErrorsOf(extensions: unknown): FieldError[] {
  if (!isRecord(extensions) || !Array.isArray(extensions.fields)) return [];
  const result: FieldError[] = [];
  for (const entry of extensions.fields as unknown[]) {
    if (!isRecord(entry) || typeof entry.message !== 'string' || !Array.isArray(entry.path)) continue;
    const path = (entry.path as unknown[]).filter((part): part is string | number => typeof part === 'string' || typeof part === 'number');
    result.push({ path, message: entry.message });
  }
  return result;
}

/** "email" for ["input", "email"]; "input" paths lose their first segment. */
function fieldKey(path: (string | number)[]): string {
  const parts = path[0] === 'input' && path.length > 1 ? path.slice(1) : path;
  return parts.join('.');
}

export function errorCode(extensions: unknown): string | null {
  return isRecord(extensions) && typeof extensions.code === 'string' ? extensions.code : null;
}

/** True when a raw GraphQL response body carries an error with this extensions.code. */
export function bodyHasErrorCode(body: unknown, code: string): boolean {
  if (!isRecord(body) || !Array.isArray(body.errors)) return false;
  return (body.errors as unknown[]).some((error) => isRecord(error) && errorCode(error.extensions) === code);
}

export function toFormErrors(error: CombinedError | undefined, knownFields: readonly string[] = []): FormErrors {
  if (!error) return NO_ERRORS;
  const fields: Record<string, string> = {};
  const messages: string[] = [];
  const addMessage = (message: string) => {
    if (!messages.includes(message)) messages.push(message);
  };

  for (const graphQLError of error.graphQLErrors) {
    const fieldErrors = errorCode(graphQLError.extensions) === 'BAD_USER_INPUT' ? fieldErrorsOf(graphQLError.extensions) : [];
    if (fieldErrors.length === 0) {
      addMessage(graphQLError.message);
      continue;
    }
    for (const { path, message } of fieldErrors) {
      const key = fieldKey(path);
      if (knownFields.includes(key)) {
        fields[key] ??= message;
      } else {
        addMessage(key ? `${key}: ${message}` : message);
      }
    }
  }

  if (error.networkError) {
    const detail = error.networkError.message;
    addMessage(
      detail && detail !== 'Failed to fetch'
        ? `Could not reach the server (${detail}). Please try again.`
        : 'Could not reach the server. Please check your connection and try again.',
    );
  }
  if (messages.length === 0 && Object.keys(fields).length === 0) addMessage(error.message);
  return { fields, messages };
}

/** Banner text for an operation that has no form fields. */
export function errorMessages(error: CombinedError | undefined): string[] {
  return toFormErrors(error).messages;
}
