import { isEmail, ValidateBy } from 'class-validator';
import { normalizeEmail } from '../services/email';

/**
 * A valid address once normalized (the form accounts stores and looks up), so a full-width
 * domain is judged as the ordinary one it folds into. isEmail also bounds the length (254).
 */
export const IsEmailAddress = (): PropertyDecorator =>
  ValidateBy({
    name: 'isEmailAddress',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isEmail(normalizeEmail(value)),
      defaultMessage: () => 'email must be a valid email address',
    },
  });
