import type { Browser, Page } from 'playwright-core';
import { bearer, eventually, gql, type Stack } from '@lattice/testing';
import { startProduct } from '../e2e/helpers';
import { launchChromium, startWebConsole } from './web';

let stack: Stack;
let web: Awaited<ReturnType<typeof startWebConsole>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startProduct();
  web = await startWebConsole(stack.url);
  browser = await launchChromium();
});
beforeEach(async () => {
  page = await browser.newPage();
});
afterEach(() => page?.close());
afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await stack?.stop();
});

const profile = () => page.locator('section.profile');

async function signUp(email: string, password: string) {
  await page.goto(web.url);
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('a newcomer signs up, creates and switches organizations, and sees the plan', async () => {
  const email = `ada.${Date.now()}@example.com`;
  await signUp(email, 'a long password');
  await profile().getByText(email).waitFor();
  await profile().getByText('None — switch to or create one below').waitFor();

  // Creating an organization makes the caller its OWNER and switches to it.
  for (const name of ['Analytical Engines', 'Difference Ltd']) {
    await page.getByLabel('New organization').fill(name);
    await page.getByRole('button', { name: /create/i }).click();
    await profile().getByText(name).waitFor();
  }
  const memberships = page.locator('li.membership');
  await memberships.filter({ hasText: 'Analytical Engines' }).getByText('Free plan').waitFor();
  expect(await memberships.count()).toBe(2);

  await page.getByRole('button', { name: 'Switch to Analytical Engines' }).click();
  await profile().getByText('Analytical Engines').waitFor();
  await memberships.filter({ hasText: 'Analytical Engines' }).getByText('Current').waitFor();

  // What the page shows is what the graph holds.
  const logIn = await gql(stack.url, `mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }`, {
    i: { email, password: 'a long password' },
  });
  const me = await gql(stack.url, `{ me { memberships { role organization { name } } } }`, {}, bearer(logIn.body.data.logIn.accessToken));
  const orgs = me.body.data.me.memberships.map((m: any) => `${m.organization.name}:${m.role}`).sort();
  expect(orgs).toEqual(['Analytical Engines:OWNER', 'Difference Ltd:OWNER']);

  // A reload keeps the session and the active organization.
  await page.reload();
  await profile().getByText('Analytical Engines').waitFor();
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/console-me.png`, fullPage: true });
});

test('the server names the invalid field and the form shows it there', async () => {
  await signUp(`grace.${Date.now()}@example.com`, 'short');
  const field = page.locator('.field-invalid', { has: page.getByLabel('Password') });
  await field.locator('.field-error').waitFor();
  expect(await field.locator('.field-error').textContent()).toMatch(/8/);
  expect(await profile().count()).toBe(0);
});

test('wrong credentials are refused with one message, whichever is wrong', async () => {
  await page.goto(web.url);
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('whatever password');
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
  await page.getByText(/invalid email or password/i).waitFor();
  expect(await profile().count()).toBe(0);
});

test('the me page shows a metric live, streamed through the gateway over graphql-ws', async () => {
  const email = `live.${Date.now()}@example.com`;
  await signUp(email, 'a long password');
  await page.getByLabel('New organization').fill('Live Co');
  await page.getByRole('button', { name: /create/i }).click();
  await profile().getByText('Live Co').waitFor();
  const card = page.locator('section.live-metric');
  await card.getByText('Waiting for').waitFor();
  // The subscription is open at the gateway and acknowledged by Redis before anything is recorded.
  const monitoring = stack.subgraphs.monitoring!.server.runtime.pubsub;
  await eventually(() => monitoring.channelCount > 0, true, 10_000);

  // Record as the same user, acting for the same organization, through the gateway's HTTP side.
  const logIn = await gql(stack.url, `mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }`, {
    i: { email, password: 'a long password' },
  });
  const me = await gql(stack.url, `{ me { memberships { organization { id } } } }`, {}, bearer(logIn.body.data.logIn.accessToken));
  const switched = await gql(
    stack.url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { accessToken } }`,
    { id: me.body.data.me.memberships[0].organization.id },
    bearer(logIn.body.data.logIn.accessToken),
  );
  const headers = bearer(switched.body.data.switchOrganization.accessToken);
  for (const value of [12.5, 40, 7]) {
    const res = await gql(
      stack.url,
      `mutation($v: Float!) { recordMetric(input: { name: "latency_ms", value: $v }) { value } }`,
      { v: value },
      headers,
    );
    expect(res.body.errors).toBeUndefined();
  }
  await card.getByTestId('live-value').filter({ hasText: /^7$/ }).waitFor();
  await card.getByText('by Ada Lovelace').waitFor();
  await card.getByRole('img', { name: 'Recent values of latency_ms' }).waitFor();
  const path = await card.locator('svg.sparkline path').getAttribute('d');
  expect(path?.match(/[ML]/g)).toHaveLength(3); // one point per event received
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/console-live.png`, fullPage: true });
});

test('two tabs refreshing the same session at once both keep it (refresh tokens rotate on use)', async () => {
  const email = `tabs.${Date.now()}@example.com`;
  const signUpRes = await gql(stack.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken } }`, {
    i: { email, password: 'a long password', name: 'Two Tabs' },
  });
  const tokens = signUpRes.body.data.signUp;
  // Two tabs of one browser profile share localStorage, as real tabs do.
  const context = await browser.newContext();
  try {
    // (Scripts as strings: they run in the page, untouched by the test's own compiler.)
    await context.addInitScript(`if (!localStorage.getItem('lattice.accessToken')) {
      localStorage.setItem('lattice.accessToken', ${JSON.stringify(tokens.accessToken)});
      localStorage.setItem('lattice.refreshToken', ${JSON.stringify(tokens.refreshToken)});
    }`);
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(web.url);
      await tab.locator('section.profile').getByText(email).waitFor();
    }
    // Both tabs see their access token rejected at the same moment and refresh it.
    const refreshed = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate(`import('/src/lib/refresh.ts').then((m) => m.refreshSessionOnce(${JSON.stringify(tokens.accessToken)}))`),
      ),
    );
    expect(refreshed).toEqual([true, true]);
    const stored = await tabs[1]!.evaluate(`localStorage.getItem('lattice.refreshToken')`);
    expect(stored).not.toBe(tokens.refreshToken);
    // Had both presented the old token, the server would have ended the session as stolen.
    const again = await gql(stack.url, `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: stored });
    expect(again.body.errors).toBeUndefined();
  } finally {
    await context.close();
  }
});
