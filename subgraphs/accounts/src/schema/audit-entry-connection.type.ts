import { ConnectionType, type Connection } from '@lattice/platform';
import { AuditEntry } from './audit-entry.type';

/** `AuditEntryConnection` and `AuditEntryEdge`. */
export const AuditEntryConnection = ConnectionType(() => AuditEntry, 'AuditEntry', { description: 'Audit entries newest first.' });
export type AuditEntryConnection = Connection<AuditEntry>;
