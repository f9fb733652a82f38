import { definePolicy, rule } from '@lattice/platform';

/** What each ai-platform action needs: users by role, API keys by scope. */
export const policy = definePolicy({
  'prompts:read': rule.read('VIEWER', 'prompts:read'),
  'prompts:write': rule.write('MEMBER', 'prompts:write'),
});
export type Action = keyof typeof policy.actions;
