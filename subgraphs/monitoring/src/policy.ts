import { definePolicy, rule } from '@lattice/platform';

/** What each monitoring action needs: users by role, API keys by scope. */
export const policy = definePolicy({
  'metrics:read': rule.read('VIEWER', 'metrics:read'),
  'metrics:write': rule.write('MEMBER', 'metrics:write'),
});
export type Action = keyof typeof policy.actions;
