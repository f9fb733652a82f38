import { ORG_ROLES, type Policy, type Principal } from '@lattice/platform';
import { apiKeyPrincipal, platformAdminPrincipal, userPrincipal } from '@lattice/testing';
import { policy as accounts } from '../subgraphs/accounts/src/policy';
import { policy as aiPlatform } from '../subgraphs/ai-platform/src/policy';
import { policy as billing } from '../subgraphs/billing/src/policy';
import { policy as monitoring } from '../subgraphs/monitoring/src/policy';

const ORG = '00000000-0000-4000-8000-000000000001';

/**
 * Every action of every subgraph, for each kind of caller, in the caller's active organization:
 * OWNER ADMIN MEMBER VIEWER | API key with the action's scope, without it | platform admin | anonymous.
 * `+` allowed, `F` FORBIDDEN, `U` UNAUTHENTICATED. A change to any action table changes a row here.
 */
const EXPECTED: Record<string, [Policy<string>, string]> = {
  'organizations:create': [accounts, '+ + + + | F F | + | U'],
  'sessions:switch': [accounts, '+ + + + | F F | + | U'],
  'audit:read': [accounts, '+ + F F | + F | F | U'],
  'billing:read': [billing, '+ + + + | + F | F | U'],
  'plans:write': [billing, 'F F F F | F F | + | U'],
  'prompts:read': [aiPlatform, '+ + + + | + F | F | U'],
  'prompts:write': [aiPlatform, '+ + + F | + F | F | U'],
  'metrics:read': [monitoring, '+ + + + | + F | F | U'],
  'metrics:write': [monitoring, '+ + + F | + F | F | U'],
};

const code = (policy: Policy<string>, principal: Principal | null, action: string) => {
  const d = policy.can(principal, action);
  return d.allowed ? '+' : d.code[0];
};

test('the table above covers every action of every subgraph', () => {
  const actions = [accounts, billing, aiPlatform, monitoring].flatMap((p) => Object.keys(p.actions)).sort();
  expect(Object.keys(EXPECTED).sort()).toEqual(actions);
});

test.each(Object.entries(EXPECTED))('%s', (action, [policy, expected]) => {
  const rule = policy.actions[action]!;
  const scope = rule.kind === 'org' ? rule.scope : 'none:none';
  const users = ORG_ROLES.map((role) => code(policy, userPrincipal(ORG, role), action));
  const keys = [apiKeyPrincipal(ORG, [scope]), apiKeyPrincipal(ORG, ['other:scope'])].map((p) => code(policy, p, action));
  const row = `${users.join(' ')} | ${keys.join(' ')} | ${code(policy, platformAdminPrincipal(), action)} | ${code(policy, null, action)}`;
  expect(row).toBe(expected);
});
