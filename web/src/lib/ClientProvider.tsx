import { useMemo, type ReactNode } from 'react';
import { Provider } from 'urql';
import { clientForIdentity } from './client';
import { sessionIdentity, useSessionState } from './session';

export function ClientProvider({ children }: { children: ReactNode }) {
  const { session } = useSessionState();
  const identity = sessionIdentity(session);
  const client = useMemo(() => clientForIdentity(identity), [identity]);
  return <Provider value={client}>{children}</Provider>;
}
