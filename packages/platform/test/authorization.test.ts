import type { ResolverData } from 'type-graphql';
import { authChecker, type OrgRole, type Principal } from '../src';

const ORG = '00000000-0000-4000-8000-000000000001';
const user = (role: OrgRole | null, kind: Principal['kind'] = 'user'): Principal => ({
  sub: '00000000-0000-4000-8000-000000000002',
  kind,
  org: role ? ORG : null,
  role,
  memberships: role ? [{ org: ORG, role }] : [],
  scopes: [],
});
const check = (principal: Principal | null, roles: OrgRole[]) => {
  try {
    return authChecker({ context: { principal } } as ResolverData<{ principal: Principal | null }>, roles);
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code;
  }
};

test.each([
  ['anonymous, no role named', null, [], 'UNAUTHENTICATED'],
  ['a user, no role named', user(null), [], true],
  ['an API key where a signed-in user is needed', user('OWNER', 'apiKey'), [], 'FORBIDDEN'],
  ['anonymous, MEMBER needed', null, ['MEMBER'], 'UNAUTHENTICATED'],
  ['no active organization', user(null), ['VIEWER'], 'FORBIDDEN'],
  ['a VIEWER where MEMBER is needed', user('VIEWER'), ['MEMBER'], 'FORBIDDEN'],
  ['an ADMIN where MEMBER is needed', user('ADMIN'), ['MEMBER'], true],
  ['a MEMBER where any of ADMIN or MEMBER will do', user('MEMBER'), ['ADMIN', 'MEMBER'], true],
  ['a VIEWER where any of ADMIN or MEMBER will do', user('VIEWER'), ['ADMIN', 'MEMBER'], 'FORBIDDEN'],
] as Array<[string, Principal | null, OrgRole[], true | string]>)('%s', (_case, principal, roles, expected) => {
  expect(check(principal, roles)).toBe(expected);
});
