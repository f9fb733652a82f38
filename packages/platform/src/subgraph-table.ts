/**
 * Every subgraph, written once. Configuration (ports, URL overrides), `npm run compose|migrate|start`,
 * the gateway's local subgraph list and the test harness all derive from this table; only build
 * configuration (package.json workspaces, tsconfig.build.json, jest.config.js, Dockerfile,
 * docker-compose.yml) lists the subgraphs again.
 */
export const SUBGRAPH_TABLE = {
  accounts: { portEnv: 'ACCOUNTS_PORT', port: 4001, urlEnv: 'ACCOUNTS_URL', dbSchema: 'accounts', dir: 'subgraphs/accounts' },
  billing: { portEnv: 'BILLING_PORT', port: 4002, urlEnv: 'BILLING_URL', dbSchema: 'billing', dir: 'subgraphs/billing' },
  'ai-platform': { portEnv: 'AI_PLATFORM_PORT', port: 4003, urlEnv: 'AI_PLATFORM_URL', dbSchema: 'ai', dir: 'subgraphs/ai-platform' },
  monitoring: { portEnv: 'MONITORING_PORT', port: 4004, urlEnv: 'MONITORING_URL', dbSchema: 'monitoring', dir: 'subgraphs/monitoring' },
} as const satisfies Record<string, SubgraphInfo>;

export interface SubgraphInfo {
  /** Environment variable of the port it listens on. */
  portEnv: string;
  /** Default port (ARCHITECTURE "Requests and identity"). */
  port: number;
  /** Environment variable that overrides its URL (the one written in `supergraph.graphql`). */
  urlEnv: string;
  /** PostgreSQL schema it owns. */
  dbSchema: string;
  /** Package directory, relative to the repository root (built output under `<dir>/dist/src`). */
  dir: string;
}

export type SubgraphName = keyof typeof SUBGRAPH_TABLE;

/** Subgraph names in composition and start order. */
export const SUBGRAPHS = Object.keys(SUBGRAPH_TABLE) as SubgraphName[];

export const isSubgraphName = (name: string): name is SubgraphName => Object.hasOwn(SUBGRAPH_TABLE, name);
