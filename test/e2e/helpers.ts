import { createServer as accounts } from '@lattice/accounts';
import { createServer as aiPlatform } from '@lattice/ai-platform';
import { createServer as billing } from '@lattice/billing';
import { createGateway } from '@lattice/gateway';
import { createServer as monitoring } from '@lattice/monitoring';
import { bearer, gql, startStack } from '@lattice/testing';

export const SUBGRAPH_FACTORIES = { accounts, billing, 'ai-platform': aiPlatform, monitoring };

/** All four subgraphs and the gateway, in-process on port 0. */
export const startProduct = () => startStack({ subgraphs: SUBGRAPH_FACTORIES, gateway: createGateway });

const AUTH = `accessToken refreshToken user { id email name }`;
let counter = 0;

/** Sign up through the gateway, create an organization and switch to it: a user ready to work. */
export async function onboard(url: string, orgName = `Org ${++counter}`) {
  const email = `person${++counter}.${Date.now()}@example.com`;
  const signUp = await gql(url, `mutation($i: SignUpInput!) { signUp(input: $i) { ${AUTH} } }`, {
    i: { email, password: 'a long password', name: `Person ${counter}` },
  });
  if (signUp.body.errors) throw new Error(JSON.stringify(signUp.body.errors));
  const first = signUp.body.data.signUp;
  const org = await gql(url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id name } }`, { i: { name: orgName } }, bearer(first.accessToken));
  if (org.body.errors) throw new Error(JSON.stringify(org.body.errors));
  const orgId = org.body.data.createOrganization.id as string;
  const switched = await gql(url, `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH} } }`, { id: orgId }, bearer(first.accessToken));
  if (switched.body.errors) throw new Error(JSON.stringify(switched.body.errors));
  const tokens = switched.body.data.switchOrganization;
  return { email, userId: first.user.id as string, orgId, accessToken: tokens.accessToken as string, refreshToken: tokens.refreshToken as string, headers: bearer(tokens.accessToken) };
}
export type Onboarded = Awaited<ReturnType<typeof onboard>>;
