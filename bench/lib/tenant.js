'use strict';
// The tenant the query benchmarks read and write: one user who owns one organization, with
// prompts and a few metric points, all created through the gateway the way a client would.
const { platform, testing } = require('./stack');

const decodeJwt = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

async function gqlOk(url, query, variables, headers, what) {
  const res = await testing().gql(url, query, variables, headers);
  if (res.status !== 200 || res.body.errors)
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body.errors ?? res.body).slice(0, 500)}`);
  return res.body.data;
}

/**
 * signUp → createOrganization → switchOrganization, then `prompts` prompts and `metrics` metric
 * points, and with `series` ({ name, from, bucketSeconds, buckets, perBucket }) `perBucket` points
 * in each bucket of that window, for a metricSeries read that returns data in every bucket.
 */
async function seedTenant(gatewayUrl, { name = 'bench', prompts = 20, metrics = 3, series = null } = {}) {
  const t = await testing().onboard(gatewayUrl, `${name} org`);
  for (let i = 0; i < prompts; i++) {
    await gqlOk(
      gatewayUrl,
      'mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }',
      { i: { name: `${name} prompt ${i + 1}`, template: `Summarize {{text}} in ${i + 1} sentences.` } },
      t.headers,
      'createPrompt',
    );
  }
  for (let i = 0; i < metrics; i++) {
    await gqlOk(
      gatewayUrl,
      'mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name } }',
      { i: { name: 'bench_latency', value: i + 1 } },
      t.headers,
      'recordMetric',
    );
  }
  if (series) {
    const points = [];
    const step = (series.bucketSeconds * 1000) / series.perBucket;
    for (let b = 0; b < series.buckets; b++)
      for (let k = 0; k < series.perBucket; k++)
        points.push({
          name: series.name,
          value: b + k,
          at: new Date(Date.parse(series.from) + b * series.bucketSeconds * 1000 + k * step).toISOString(),
        });
    // A few at a time: the seeding is not measured, and one by one takes seconds.
    for (let i = 0; i < points.length; i += 8)
      await Promise.all(
        points
          .slice(i, i + 8)
          .map((p) =>
            gqlOk(gatewayUrl, 'mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name } }', { i: p }, t.headers, 'recordMetric'),
          ),
      );
  }
  return { ...t, prompts, series, claims: decodeJwt(t.accessToken) };
}

/**
 * The principal the stock reference sends on every subgraph call: the tenant's user as OWNER of
 * its organization. Claims the platform's Principal gained since this was written (whatever
 * principalFromAccessClaims produces that is not listed here, `sid` aside) are copied from the
 * access token's claims, and named in `added`.
 */
function fixedPrincipal(tenant) {
  const principal = {
    sub: tenant.userId,
    kind: 'user',
    org: tenant.orgId,
    role: 'OWNER',
    memberships: [{ org: tenant.orgId, role: 'OWNER' }],
    scopes: [],
    platformAdmin: false,
  };
  const fromToken = platform().principalFromAccessClaims(tenant.claims);
  const added = [];
  for (const [key, value] of Object.entries(fromToken)) {
    if (key === 'sid' || key in principal || value === undefined) continue;
    principal[key] = value;
    added.push(key);
  }
  const mismatch = fromToken.org !== principal.org || fromToken.role !== principal.role || fromToken.sub !== principal.sub;
  if (mismatch) throw new Error(`the access token says ${JSON.stringify(fromToken)}, not an OWNER of ${tenant.orgId}`);
  return { principal, added };
}

module.exports = { seedTenant, fixedPrincipal, gqlOk, decodeJwt };
