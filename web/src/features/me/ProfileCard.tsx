import { formatDate, humanize } from '../../lib/format';

export function ProfileCard({
  name,
  email,
  createdAt,
  activeOrganizationName,
  activeRole,
}: {
  name: string;
  email: string;
  createdAt: string;
  activeOrganizationName: string | null;
  activeRole: string | null;
}) {
  return (
    <section className="card card-wide profile" aria-labelledby="profile-title">
      <div className="avatar" aria-hidden="true">
        {initials(name)}
      </div>
      <div className="profile-body">
        <h1 id="profile-title" className="profile-name">
          {name}
        </h1>
        <p className="profile-email">{email}</p>
        <p className="muted small">Member since {formatDate(createdAt)}</p>
      </div>
      <div className="profile-org">
        <span className="label">Active organization</span>
        {activeOrganizationName ? (
          <strong>
            {activeOrganizationName}
            {activeRole ? <span className="muted"> · {humanize(activeRole)}</span> : null}
          </strong>
        ) : (
          <span className="muted">None — switch to or create one below</span>
        )}
      </div>
    </section>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((part) => part?.charAt(0).toUpperCase() ?? '').join('') || '?';
}
