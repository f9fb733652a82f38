import type { AuthCheckerFn } from 'type-graphql';
import type { Policy } from './policy';
import type { Principal } from './principal';

/**
 * type-graphql's `@Authorized(action)` over a subgraph's policy: exactly one action, from its
 * table. type-graphql runs it before it validates the arguments, so a caller who may not write
 * is told so, not which field of the input was wrong. Services authorize again with the
 * organization they act on: they are where tenancy is enforced.
 */
export const authCheckerFor =
  (policy: Policy<string>): AuthCheckerFn<{ principal: Principal | null }, string> =>
  ({ context }, actions) => {
    if (actions.length !== 1) throw new Error('@Authorized takes exactly one action of the policy');
    policy.authorize(context.principal, actions[0]!);
    return true;
  };
