import { clearSession, useSessionState } from '../lib/session';

export function AppHeader() {
  const { session } = useSessionState();
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Lattice <span className="brand-sub">console</span>
        </span>
        {session ? (
          <button type="button" className="button button-ghost" onClick={() => clearSession()}>
            Log out
          </button>
        ) : null}
      </div>
    </header>
  );
}
