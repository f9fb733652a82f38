import { AccessTokenVerifier, PRINCIPAL_HEADER, principalFromAccessClaims, signPrincipal } from '@lattice/platform';
import { gql, sleep, startStack, type Stack } from '@lattice/testing';
import { Client } from 'pg';
import { createServer } from '../src/server';

/**
 * Races on one session row, against the real accounts subgraph over HTTP: the compare-and-swap
 * in the rotation decides them, and the transaction around switchOrganization keeps a lost race
 * from leaving half a change behind.
 */
let stack: Stack;
let url: string;
let verifier: AccessTokenVerifier;

const AUTH = `accessToken refreshToken user { id }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH} } }`;
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const SWITCH = `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH} } }`;

beforeAll(async () => {
  stack = await startStack({ subgraphs: { accounts: createServer } });
  url = stack.subgraphs.accounts!.url;
  verifier = await AccessTokenVerifier.fromPem(stack.config.JWT_PUBLIC_KEY!);
});
afterAll(() => stack.stop());

/** What the gateway would send for this access token (with its session id). */
async function asUser(accessToken: string) {
  const principal = principalFromAccessClaims((await verifier.verify(accessToken))!);
  return { [PRINCIPAL_HEADER]: await signPrincipal(principal, stack.config.INTERNAL_TOKEN_SECRET) };
}

let n = 0;
async function signUp() {
  const res = await gql(url, SIGN_UP, {
    input: { email: `racer${++n}.${Date.now()}@example.com`, password: 'correct horse battery', name: `Racer ${n}` },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.signUp as { accessToken: string; refreshToken: string; user: { id: string } };
}

test('one refresh token used 10 times at once: exactly one use wins, the other 9 are UNAUTHENTICATED', async () => {
  const ATTEMPTS = 10;
  // Several rounds: without the compare-and-swap one round can by chance serialize cleanly.
  for (let round = 0; round < 5; round++) {
    const { refreshToken } = await signUp();
    // All requests are on the wire before any answer: each reads the session while the token is still current.
    const results = await Promise.all(Array.from({ length: ATTEMPTS }, () => gql(url, REFRESH, { t: refreshToken })));
    const winners = results.filter((r) => r.body.data?.refreshSession);
    const losers = results.filter((r) => r.body.errors);
    expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
    expect(losers.map((r) => r.body.errors?.[0].extensions?.code)).toEqual(Array(ATTEMPTS - 1).fill('UNAUTHENTICATED'));
    expect(losers.every((r) => r.body.data === null)).toBe(true);
  }
});

test('switchOrganization that loses the session race changes nothing: last_org_id stays, the session keeps its organization', async () => {
  const user = await signUp();
  const headers = await asUser(user.accessToken);
  const [orgX, orgY] = await Promise.all(
    ['Race X', 'Race Y'].map(
      async (name) => (await gql(url, CREATE_ORG, { input: { name } }, headers)).body.data.createOrganization.id as string,
    ),
  );
  const first = await gql(url, SWITCH, { id: orgX }, headers);
  expect(first.body.errors).toBeUndefined();
  const sid = (await verifier.verify(first.body.data.switchOrganization.accessToken))!.sid!;
  const switchedHeaders = await asUser(first.body.data.switchOrganization.accessToken);

  const locker = new Client({ connectionString: stack.config.DATABASE_URL });
  const watcher = new Client({ connectionString: stack.config.DATABASE_URL });
  await Promise.all([locker.connect(), watcher.connect()]);
  try {
    await locker.query('begin');
    await locker.query('select id from accounts.sessions where id = $1 for update', [sid]);
    const lockerPid = (await locker.query('select pg_backend_pid() as pid')).rows[0].pid as number;

    const switching = gql(url, SWITCH, { id: orgY }, switchedHeaders);
    // Wait until the switch's transaction is blocked on our row lock: the lastOrgId update is done, the rotation waits.
    const deadline = Date.now() + 10_000;
    const blocked = async () =>
      (await watcher.query('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [lockerPid])).rows[0]
        .n as number;
    while ((await blocked()) === 0) {
      if (Date.now() > deadline) throw new Error('switchOrganization never reached the session row');
      await sleep(10);
    }
    // Another rotation wins meanwhile: the session's token is no longer the one the switch read.
    await locker.query(`update accounts.sessions set refresh_token_hash = repeat('0', 64) where id = $1`, [sid]);
    await locker.query('commit');

    const res = await switching;
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeNull();
    const { rows } = await watcher.query(
      `select u.last_org_id, s.active_org_id from accounts.users u join accounts.sessions s on s.user_id = u.id where s.id = $1`,
      [sid],
    );
    expect(rows).toEqual([{ last_org_id: orgX, active_org_id: orgX }]);
  } finally {
    await locker.query('rollback').catch(() => undefined);
    await Promise.all([locker.end(), watcher.end()]);
  }
});
