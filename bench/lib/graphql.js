'use strict';
// HTTP GraphQL against the gateway, the onboarding of test users, and /metrics scraping.

async function gql(url, query, variables = {}, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const AUTH = `accessToken user { id email }`;

/** Sign up, create an organization and switch to it (as test/e2e/helpers.ts `onboard`). */
async function onboard(url, label) {
  const email = `${label}.${Date.now()}@bench.example.com`;
  const { signUp } = await gql(url, `mutation($i: SignUpInput!) { signUp(input: $i) { ${AUTH} } }`, {
    i: { email, password: 'a long benchmark password', name: label },
  });
  const { createOrganization } = await gql(
    url,
    `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`,
    { i: { name: `Bench ${label}` } },
    bearer(signUp.accessToken),
  );
  const { switchOrganization } = await gql(
    url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH} } }`,
    { id: createOrganization.id },
    bearer(signUp.accessToken),
  );
  return { email, userId: signUp.user.id, orgId: createOrganization.id, accessToken: switchOrganization.accessToken };
}

/** The samples of a Prometheus text exposition, by metric name (labels ignored, first sample). */
async function scrape(metricsUrl) {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const values = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/);
    if (m && !(m[1] in values)) values[m[1]] = Number(m[2]);
  }
  return values;
}

module.exports = { gql, bearer, onboard, scrape };
