import { graphql } from 'graphql';
import { Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { buildFederatedSchema, definePolicy, type Scope } from '../src';

/** A stand-in for the scope: only the commit counter the guard reads. */
const contextWith = (commitsPerCall: number) => {
  const scope = { committed: { count: 0 } } as unknown as Scope;
  return { scope, principal: null, commitsPerCall };
};

@Resolver()
class GuardedResolver {
  @Query(() => Boolean)
  ok(): boolean {
    return true;
  }

  @Mutation(() => Boolean, { description: 'Commits as often as the test says.' })
  write(@Ctx() ctx: ReturnType<typeof contextWith>): boolean {
    (ctx.scope.committed as { count: number }).count += ctx.commitsPerCall;
    return true;
  }
}

test('a root Mutation that did not commit through mutate() fails loudly; one that did passes', async () => {
  const schema = await buildFederatedSchema({ resolvers: [GuardedResolver], policy: definePolicy({}) });
  const committed = await graphql({ schema, source: 'mutation { write }', contextValue: contextWith(1) });
  expect(committed).toEqual({ data: { write: true } });
  const around = await graphql({ schema, source: 'mutation { write }', contextValue: contextWith(0) });
  expect(around.errors?.[0]?.message).toBe('Mutation.write returned without committing through mutate()');
});
