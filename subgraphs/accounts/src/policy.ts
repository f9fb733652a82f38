import { definePolicy, rule } from '@lattice/platform';

/** What each accounts action needs: users by role, API keys by scope. signUp, logIn and refreshSession are public. */
export const policy = definePolicy({
  'organizations:create': rule.user(),
  'sessions:switch': rule.user(),
  'audit:read': rule.read('ADMIN', 'accounts:read'),
});
export type Action = keyof typeof policy.actions;
