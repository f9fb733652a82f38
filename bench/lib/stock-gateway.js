'use strict';
// The reference the query benchmark compares the Lattice gateway with: stock @apollo/gateway in a
// minimal @apollo/server standalone server, on the same supergraph.graphql, calling the same
// running subgraphs. A benchmark script, not product code: no authentication, no limits, no
// metrics, no subscriptions; every subgraph call carries ONE principal token that the benchmark
// signed before starting this process (STOCK_PRINCIPAL_TOKEN). Run as its own process
// (`node bench/lib/stock-gateway.js`) so its CPU can be read from /proc.
//
// Environment: STOCK_PORT, STOCK_SUPERGRAPH (file), STOCK_PRINCIPAL_TOKEN, and the subgraph URL
// variables the Lattice gateway reads (ACCOUNTS_URL, BILLING_URL, AI_PLATFORM_URL,
// MONITORING_URL), which replace the URLs written in the supergraph. STOCK_FETCHER=node makes the
// data sources use Node's fetch instead of Apollo's default,
// make-fetch-happen.
const fs = require('node:fs');
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');
const { ApolloGateway, RemoteGraphQLDataSource } = require('@apollo/gateway');

const URL_ENV = { accounts: 'ACCOUNTS_URL', billing: 'BILLING_URL', 'ai-platform': 'AI_PLATFORM_URL', monitoring: 'MONITORING_URL' };
const PRINCIPAL_HEADER = 'x-lattice-principal';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

async function main() {
  const port = Number(required('STOCK_PORT'));
  const supergraphSdl = fs.readFileSync(required('STOCK_SUPERGRAPH'), 'utf8');
  const principalToken = required('STOCK_PRINCIPAL_TOKEN');
  const nodeFetch = process.env.STOCK_FETCHER === 'node';

  class PrincipalDataSource extends RemoteGraphQLDataSource {
    willSendRequest({ request }) {
      request.http?.headers.set(PRINCIPAL_HEADER, principalToken);
    }
  }

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const target = process.env[URL_ENV[name]] || url;
      return new PrincipalDataSource(nodeFetch ? { url: target, fetcher: fetch } : { url: target });
    },
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
  console.log(JSON.stringify({ msg: 'stock gateway ready', url, fetcher: nodeFetch ? 'node' : 'default' }));

  const stop = async () => {
    try {
      await server.stop();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
