import type { MigrationObject } from '@lattice/platform';
import { Migration20261125000000 } from './Migration20261125000000';
import { Migration20261126000000 } from './Migration20261126000000';
import { Migration20261202000000 } from './Migration20261202000000';
import { Migration20261202000100 } from './Migration20261202000100';
import { Migration20261208000000 } from './Migration20261208000000';

/** Every migration of this subgraph, oldest first. */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261125000000', class: Migration20261125000000 },
  { name: 'Migration20261126000000', class: Migration20261126000000 },
  { name: 'Migration20261202000000', class: Migration20261202000000 },
  { name: 'Migration20261202000100', class: Migration20261202000100 },
  { name: 'Migration20261208000000', class: Migration20261208000000 },
];
