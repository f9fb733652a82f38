import { AppHeader } from './components/AppHeader';
import { AuthPage } from './features/auth/AuthPage';
import { MePage } from './features/me/MePage';
import { useSessionState } from './lib/session';

export function App() {
  const { session, notice } = useSessionState();
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main">{session ? <MePage /> : <AuthPage notice={notice} />}</main>
    </div>
  );
}
