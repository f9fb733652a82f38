import { z } from 'zod';
import { SUBGRAPH_TABLE, SUBGRAPHS, type SubgraphName } from './subgraph-table';

export type { SubgraphName } from './subgraph-table';

/** Every setting of every service, from the environment, with the defaults of ARCHITECTURE.md. */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const url = (fallback: string) => z.string().url().default(fallback);

type Table = typeof SUBGRAPH_TABLE;
/** `ACCOUNTS_PORT`, `ACCOUNTS_URL`, … for every subgraph of the table. */
const subgraphSettings = Object.fromEntries(
  SUBGRAPHS.flatMap((name) => [
    [SUBGRAPH_TABLE[name].portEnv, port(SUBGRAPH_TABLE[name].port)],
    [SUBGRAPH_TABLE[name].urlEnv, z.string().url().optional()],
  ]),
) as { [N in SubgraphName as Table[N]['portEnv']]: ReturnType<typeof port> } & {
  [N in SubgraphName as Table[N]['urlEnv']]: z.ZodOptional<z.ZodString>;
};

export const DEV_INTERNAL_TOKEN_SECRET = 'lattice-development-internal-secret-change-me';

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/lattice'),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
    REDIS_URL: url('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key, channel and queue; tests give each file its own. */
    REDIS_PREFIX: z.string().default('lattice:'),
    /** A stream entry read but not acknowledged for this long (its consumer crashed) is claimed by another. */
    STREAM_CLAIM_IDLE_MS: z.coerce.number().int().min(10).default(30_000),
    INTERNAL_TOKEN_SECRET: z.string().min(32).default(DEV_INTERNAL_TOKEN_SECRET),
    ACCESS_TOKEN_TTL: z.coerce.number().int().positive().default(15 * 60),
    REFRESH_TOKEN_TTL: z.coerce.number().int().positive().default(30 * 24 * 3600),
    /** PEM keys for user access tokens; in development generated under KEYS_DIR when absent. */
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PUBLIC_KEY: z.string().optional(),
    KEYS_DIR: z.string().default('.lattice'),
    /** Interface the services bind to. */
    HOST: z.string().default('0.0.0.0'),
    GATEWAY_PORT: port(4000),
    ...subgraphSettings,
    /** Path of the composed supergraph; `introspect` composes from the running subgraphs (development only). */
    SUPERGRAPH: z.string().default('supergraph.graphql'),
    CORS_ORIGINS: z
      .string()
      .default('http://localhost:5173,http://127.0.0.1:5173')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  })
  // The access-token keys are checked where they are used: the gateway (public) and accounts (private).
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    if (c.INTERNAL_TOKEN_SECRET === DEV_INTERNAL_TOKEN_SECRET)
      ctx.addIssue({ code: 'custom', path: ['INTERNAL_TOKEN_SECRET'], message: 'must be set in production' });
    if (c.SUPERGRAPH === 'introspect')
      ctx.addIssue({ code: 'custom', path: ['SUPERGRAPH'], message: 'introspection is for development only' });
  });

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The environment variable that overrides each subgraph's URL. */
export const SUBGRAPH_URL_ENV = Object.fromEntries(SUBGRAPHS.map((name) => [name, SUBGRAPH_TABLE[name].urlEnv])) as {
  [N in SubgraphName]: Table[N]['urlEnv'];
};

export const subgraphPort = (config: Config, name: SubgraphName): number => config[SUBGRAPH_TABLE[name].portEnv];

/** The URL configured for a subgraph, if any; overrides the one written in the supergraph. */
export const subgraphUrlOverride = (config: Config, name: SubgraphName): string | undefined => config[SUBGRAPH_TABLE[name].urlEnv];

/** `config` calling these subgraphs at these URLs (what a harness that starts them on free ports hands the gateway). */
export const withSubgraphUrls = (config: Config, urls: Partial<Record<SubgraphName, string>>): Config => ({
  ...config,
  ...Object.fromEntries(Object.entries(urls).map(([name, url]) => [SUBGRAPH_TABLE[name as SubgraphName].urlEnv, url])),
});
