import type { ResolverData } from 'type-graphql';
import { apiKeyPrincipal, platformAdminPrincipal, servicePrincipal, userPrincipal, userWithoutActiveOrg } from '@lattice/testing';
import { authCheckerFor, can, definePolicy, rule, type Principal } from '../src';

const ORG = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000009';
const read = rule.read('VIEWER', 'things:read');
const write = rule.write('MEMBER', 'things:write');
const outcome = (d: ReturnType<typeof can>) => (d.allowed ? `ok ${d.org ?? '-'}` : `${d.code}: ${d.reason}`);

test.each([
  ['anonymous', null, read, undefined, 'UNAUTHENTICATED: Authentication required'],
  ['a VIEWER reads in its active organization', userPrincipal(ORG, 'VIEWER'), read, undefined, `ok ${ORG}`],
  [
    'a VIEWER reads in another organization it belongs to',
    userPrincipal(ORG, 'VIEWER', [{ org: OTHER, role: 'VIEWER' }]),
    read,
    OTHER,
    `ok ${OTHER}`,
  ],
  ['a user reads where it is no member', userPrincipal(ORG, 'OWNER'), read, OTHER, 'FORBIDDEN: Not a member of this organization'],
  [
    'a user without an active organization',
    userWithoutActiveOrg([{ org: ORG, role: 'OWNER' }]),
    write,
    undefined,
    'FORBIDDEN: No active organization: call switchOrganization first',
  ],
  [
    'an OWNER writes outside its active organization',
    userPrincipal(ORG, 'VIEWER', [{ org: OTHER, role: 'OWNER' }]),
    write,
    OTHER,
    'FORBIDDEN: Writes act on the active organization: call switchOrganization first',
  ],
  [
    'the role comes from the target organization',
    userPrincipal(ORG, 'VIEWER', [{ org: OTHER, role: 'OWNER' }]),
    read,
    OTHER,
    `ok ${OTHER}`,
  ],
  [
    'an API key outside its organization',
    apiKeyPrincipal(ORG, ['things:read']),
    read,
    OTHER,
    'FORBIDDEN: An API key acts only in its own organization',
  ],
  ['an API key with the scope', apiKeyPrincipal(ORG, ['things:read']), read, ORG, `ok ${ORG}`],
  ['an API key without the scope', apiKeyPrincipal(ORG, ['things:read']), write, undefined, 'FORBIDDEN: Requires the things:write scope'],
  ['a service principal', servicePrincipal(), read, ORG, 'FORBIDDEN: Service principals may not call the graph'],
  ['a platform admin is no member', platformAdminPrincipal(), read, ORG, 'FORBIDDEN: Not a member of this organization'],
  ['a platform admin on a platform action', platformAdminPrincipal(), rule.platformAdmin(), undefined, 'ok -'],
  ['an OWNER on a platform action', userPrincipal(ORG, 'OWNER'), rule.platformAdmin(), undefined, 'FORBIDDEN: Requires a platform admin'],
  [
    'an API key where a user is needed',
    apiKeyPrincipal(ORG, ['things:read']),
    rule.user(),
    undefined,
    'FORBIDDEN: Requires a signed-in user',
  ],
  ['anonymous on a public action', null, rule.public(), undefined, 'ok -'],
] as Array<[string, Principal | null, Parameters<typeof can>[1], string | undefined, string]>)(
  '%s',
  (_case, principal, action, org, expected) => {
    expect(outcome(can(principal, action, org))).toBe(expected);
  },
);

describe('@Authorized(action) over a policy', () => {
  const policy = definePolicy({ 'things:write': write });
  const check = authCheckerFor(policy);
  const run = (principal: Principal | null, actions: string[]) => {
    try {
      return check({ context: { principal } } as ResolverData<{ principal: Principal | null }>, actions);
    } catch (err) {
      return (err as { extensions?: { code?: string }; message: string }).extensions?.code ?? (err as Error).message;
    }
  };

  test('allows, refuses with the code, and names what is missing', () => {
    expect(run(userPrincipal(ORG, 'MEMBER'), ['things:write'])).toBe(true);
    expect(run(null, ['things:write'])).toBe('UNAUTHENTICATED');
    expect(() => policy.authorize(userPrincipal(ORG, 'VIEWER'), 'things:write')).toThrow(
      'Requires the MEMBER role or higher (things:write)',
    );
  });

  test('an action that is not in the table, or none at all, is a programming error', () => {
    expect(run(userPrincipal(ORG, 'OWNER'), ['things:delete'])).toBe('Unknown action things:delete');
    expect(run(userPrincipal(ORG, 'OWNER'), [])).toBe('@Authorized takes exactly one action of the policy');
  });
});
