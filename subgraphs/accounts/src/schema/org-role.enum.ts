import { ORG_ROLES, registerEnum } from '@lattice/platform';

/** GraphQL enum with the same values as the platform's role list. */
export const OrgRole = registerEnum(ORG_ROLES, { name: 'OrgRole', description: 'Role of a member in an organization, highest first.' });
