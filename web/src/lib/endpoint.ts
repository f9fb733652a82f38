/** The gateway's GraphQL endpoint, on the page's own origin (the dev server proxies it). */
export const GRAPHQL_PATH = '/graphql';

/** ws(s)://<host>/graphql for graphql-ws, following the page's scheme. */
export function graphqlWebSocketUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${GRAPHQL_PATH}`;
}
