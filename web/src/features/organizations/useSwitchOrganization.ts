import { useCallback } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { graphql } from '../../gql';
import { setSession } from '../../lib/session';

const SwitchOrganizationMutation = graphql(`
  mutation SwitchOrganization($organizationId: ID!) {
    switchOrganization(organizationId: $organizationId) {
      accessToken
      refreshToken
    }
  }
`);

export type SwitchResult = { ok: true } | { ok: false; error: CombinedError | undefined };

/**
 * Makes an organization the session's active one. The new token pair is stored at once;
 * its identity (user + org) differs, so the GraphQL client is rebuilt and every mounted
 * query refetches for the new organization (see lib/client.ts).
 */
export function useSwitchOrganization() {
  const [state, execute] = useMutation(SwitchOrganizationMutation);
  const switchTo = useCallback(
    async (organizationId: string): Promise<SwitchResult> => {
      const result = await execute({ organizationId });
      const tokens = result.data?.switchOrganization;
      if (!tokens) return { ok: false, error: result.error };
      setSession(tokens);
      return { ok: true };
    },
    [execute],
  );
  return { switchTo, switching: state.fetching };
}
