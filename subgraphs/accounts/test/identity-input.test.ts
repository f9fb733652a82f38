import { AccessTokenVerifier, principalFromAccessClaims } from '@lattice/platform';
import { gql, principalHeaders, startStack, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';

let stack: Stack;
let url: string;
let verifier: AccessTokenVerifier;

beforeAll(async () => {
  stack = await startStack({ subgraphs: { accounts: createServer } });
  url = stack.subgraphs.accounts!.url;
  verifier = await AccessTokenVerifier.fromPem(stack.config.JWT_PUBLIC_KEY!);
});
afterAll(() => stack.stop());

const AUTH_FIELDS = `accessToken user { id email }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { ${AUTH_FIELDS} } }`;
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name } }`;
const PASSWORD = 'correct horse battery';
let n = 0;
const freshEmail = () => `person${++n}@example.com`;

const asUser = async (accessToken: string) =>
  principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, principalFromAccessClaims((await verifier.verify(accessToken))!));

test('a full-width twin of a taken email is CONFLICT, and logging in with either spelling finds the one account', async () => {
  const first = await gql(url, SIGN_UP, { input: { email: 'alice@example.com', password: PASSWORD, name: 'Alice' } });
  expect(first.body.errors).toBeUndefined();
  // "ａ" is U+FF41 FULLWIDTH LATIN SMALL LETTER A; NFKC folds it into "a".
  const twin = await gql(url, SIGN_UP, { input: { email: 'ａlice@example.com', password: PASSWORD, name: 'Mallory' } });
  expect(twin.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  for (const email of ['alice@example.com', 'ａlice@example.com', 'ＡＬＩＣＥ@ｅｘａｍｐｌｅ.ｃｏｍ']) {
    const res = await gql(url, LOG_IN, { input: { email, password: PASSWORD } });
    expect(res.body.data?.logIn.user).toEqual(first.body.data.signUp.user);
  }
});

test('an email registered in a compatibility form is stored as the address it folds into', async () => {
  const res = await gql(url, SIGN_UP, { input: { email: 'Ｂob@ｅxample.com', password: PASSWORD, name: 'Bob' } });
  expect(res.body.data?.signUp.user.email).toBe('bob@example.com');
});

// Each would display as an ordinary name while being a different string (or reorder the text after it).
const HIDDEN = {
  'right-to-left override': 'Admin\u202Enimda',
  'left-to-right isolate': 'Team \u2066Blue\u2069',
  'zero-width space': 'Ali\u200Bce',
  'zero-width joiner': 'Ali\u200Dce',
  'byte order mark': '\uFEFFAlice',
  'line separator': 'Alice\u2028Bob',
};

test.each(Object.entries(HIDDEN))('signUp name with a %s is BAD_USER_INPUT naming input.name', async (_what, name) => {
  const res = await gql(url, SIGN_UP, { input: { email: freshEmail(), password: PASSWORD, name } });
  expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'name'] }] });
  expect(res.body.data).toBeNull();
});

test.each(Object.entries(HIDDEN))('createOrganization name with a %s is BAD_USER_INPUT naming input.name', async (_what, name) => {
  const owner = await gql(url, SIGN_UP, { input: { email: freshEmail(), password: PASSWORD, name: 'Owner' } });
  const res = await gql(url, CREATE_ORG, { input: { name } }, await asUser(owner.body.data.signUp.accessToken));
  expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'name'] }] });
});

test('names in other scripts and with accents are accepted', async () => {
  for (const name of ['Zoë Ødegård', '山田 太郎', 'محمد', 'Ana-María O’Neil']) {
    const res = await gql(url, SIGN_UP, { input: { email: freshEmail(), password: PASSWORD, name } });
    expect(res.body.errors).toBeUndefined();
  }
});
