import type { Principal } from '@lattice/platform';
import { principalHeaders, userPrincipal, userWithoutActiveOrg, type Stack } from '@lattice/testing';

/** A user acting in `org` with `role`, and a member of `others` too; one without an active organization. */
export { userPrincipal as user, userWithoutActiveOrg as withoutActiveOrg };

/** Headers the gateway would send for this principal. */
export const headersAs = (stack: Stack, p: Principal) => principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, p);

/** Rows of one organization, counted straight from the database. */
export async function countRows(stack: Stack, org: string): Promise<{ prompts: number; versions: number }> {
  const conn = stack.subgraphs['ai-platform']!.server.runtime.orm.em.fork().getConnection();
  const [row] = await conn.execute(
    `select (select count(*)::int from ai.prompts where org_id = ?) as prompts,
            (select count(*)::int from ai.prompt_versions v join ai.prompts p on p.id = v.prompt_id where p.org_id = ?) as versions`,
    [org, org],
  );
  return { prompts: row.prompts, versions: row.versions };
}

export const CREATE = `mutation($input: CreatePromptInput!) {
  createPrompt(input: $input) { id name description createdAt createdBy { id } latestVersion { id version template createdAt } } }`;

export const LIST = `query($first: Int, $after: String) {
  prompts(first: $first, after: $after) {
    edges { cursor node { id name createdAt createdBy { id } latestVersion { version template } } }
    pageInfo { hasNextPage endCursor } } }`;
