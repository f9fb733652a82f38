import { ORG_ROLES, type OrgRole as Role } from '@lattice/platform';
import { registerEnumType } from 'type-graphql';

/** GraphQL enum with the same values as the platform's role list. */
export const OrgRole = Object.fromEntries(ORG_ROLES.map((r) => [r, r])) as { [K in Role]: K };
registerEnumType(OrgRole, { name: 'OrgRole', description: 'Role of a member in an organization, highest first.' });
