import { definePolicy, rule } from '@lattice/platform';

/** What each billing action needs: users by role, API keys by scope. `plans` is public. */
export const policy = definePolicy({
  'billing:read': rule.read('VIEWER', 'billing:read'),
  /** Editing the plans every organization chooses from: platform staff only. */
  'plans:write': rule.platformAdmin(),
});
export type Action = keyof typeof policy.actions;
