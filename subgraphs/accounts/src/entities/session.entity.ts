import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A refresh-token session. Only SHA-256 hashes of refresh tokens are stored. */
@Entity({ tableName: 'sessions' })
export class SessionEntity {
  [OptionalProps]?: 'createdAt' | 'lastUsedAt' | 'activeOrgId' | 'previousTokenHash' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid', nullable: true })
  activeOrgId: string | null = null;

  @Property({ type: 'string', length: 64, unique: true })
  refreshTokenHash!: string;

  /** The hash rotated away last: presenting it again means the token was stolen. */
  @Property({ type: 'string', length: 64, nullable: true })
  previousTokenHash: string | null = null;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  lastUsedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
