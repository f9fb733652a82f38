import type { ApolloServerPlugin } from '@apollo/server';
import { badRequest } from '@lattice/platform/core';
import type { GatewayContext } from './context';

/** A subscription sent over HTTP is the client's mistake: BAD_REQUEST with HTTP 400, not a 500. */
export const rejectSubscriptionsOverHttp: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw badRequest('Subscriptions are served over WebSocket (graphql-ws protocol) at /graphql, not over HTTP');
        }
      },
    };
  },
};
