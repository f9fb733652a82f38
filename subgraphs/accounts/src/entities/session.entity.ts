import { BaseEntity } from '@lattice/platform';
import { Entity, Property } from '@mikro-orm/core';

/** A refresh-token session. Only SHA-256 hashes of refresh tokens are stored. */
@Entity({ tableName: 'sessions' })
export class SessionEntity extends BaseEntity<'lastUsedAt' | 'activeOrgId' | 'previousTokenHash' | 'revokedAt'> {
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid', nullable: true })
  activeOrgId: string | null = null;

  /** Unique. */
  @Property({ type: 'string', length: 64 })
  refreshTokenHash!: string;

  /** The hash rotated away last: presenting it again means the token was stolen. */
  @Property({ type: 'string', length: 64, nullable: true })
  previousTokenHash: string | null = null;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime' })
  lastUsedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
