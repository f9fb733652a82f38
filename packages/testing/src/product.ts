import { bearer, gql } from './client';

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
  const org = await gql(
    url,
    `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id name } }`,
    { i: { name: orgName } },
    bearer(first.accessToken),
  );
  if (org.body.errors) throw new Error(JSON.stringify(org.body.errors));
  const orgId = org.body.data.createOrganization.id as string;
  const switched = await gql(
    url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH} } }`,
    { id: orgId },
    bearer(first.accessToken),
  );
  if (switched.body.errors) throw new Error(JSON.stringify(switched.body.errors));
  const tokens = switched.body.data.switchOrganization;
  return {
    email,
    userId: first.user.id as string,
    orgId,
    accessToken: tokens.accessToken as string,
    refreshToken: tokens.refreshToken as string,
    headers: bearer(tokens.accessToken),
  };
}
export type Onboarded = Awaited<ReturnType<typeof onboard>>;

/** The samples of a service's /metrics (Prometheus text), by metric name: labels ignored, first sample. */
export async function scrapeMetrics(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/);
    if (m && !(m[1]! in values)) values[m[1]!] = Number(m[2]);
  }
  return values;
}
