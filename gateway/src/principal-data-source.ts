import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { PRINCIPAL_HEADER, signPrincipal } from '@lattice/platform';
import type { GatewayContext } from './context';

/** Calls a subgraph with a fresh internal principal token and the request id. */
export class PrincipalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers || !('principal' in context)) return;
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.principal) headers.set(PRINCIPAL_HEADER, await signPrincipal(context.principal, this.secret));
  }
}
