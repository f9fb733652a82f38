import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export const entities = [UserEntity, OrganizationEntity, MembershipEntity, SessionEntity];
