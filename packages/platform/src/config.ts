import { z } from 'zod';
import { developmentSecret } from './dev-files';
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

/** The development default of earlier versions: published, so never accepted in production. */
export const DEV_INTERNAL_TOKEN_SECRET = 'lattice-development-internal-secret-change-me';

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url('postgres://postgres@127.0.0.1:5432/lattice'),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
    /**
     * Bounded time at the database: PostgreSQL cancels a statement running longer than this
     * (`statement_timeout`); a query whose answer does not arrive within this plus a second (a
     * database that hangs or a network that drops packets) has its connection destroyed.
     */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** PostgreSQL ends a session left idle inside a transaction this long (`idle_in_transaction_session_timeout`), rolling it back. */
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Longest wait for a pooled connection, or for a new one to connect. */
    DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    REDIS_URL: url('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key, channel and queue; tests give each file its own. */
    REDIS_PREFIX: z.string().default('lattice:'),
    /** A stream entry read but not acknowledged for this long (its consumer crashed) is claimed by another. */
    STREAM_CLAIM_IDLE_MS: z.coerce.number().int().min(10).default(30_000),
    /** HS256 key of the internal principal token; outside production generated once under KEYS_DIR when absent. */
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    ACCESS_TOKEN_TTL: z.coerce
      .number()
      .int()
      .positive()
      .default(15 * 60),
    REFRESH_TOKEN_TTL: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3600),
    /** Seconds the gateway keeps a mutation's response under its Idempotency-Key. */
    IDEMPOTENCY_TTL: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    /** PEM keys for user access tokens; in development generated under KEYS_DIR when absent. */
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PUBLIC_KEY: z.string().optional(),
    KEYS_DIR: z.string().default('.lattice'),
    /** Interface the services bind to. */
    HOST: z.string().default('127.0.0.1'),
    GATEWAY_PORT: port(4000),
    /**
     * The gateway gives up on a subgraph fetch after this long (SERVICE_UNAVAILABLE naming the
     * subgraph); the subgraph is told a deadline a little earlier, after which it commits nothing.
     */
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** Each /readyz check that has not answered within this long counts as failing. */
    READINESS_TIMEOUT_MS: z.coerce.number().int().min(10).default(800),
    /** An HTTP request (headers and body) not received in full within this long is dropped with 408; headers within min(10 s, this). */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
    ...subgraphSettings,
    /** Path of the composed supergraph; `introspect` composes from the running subgraphs (development only). */
    SUPERGRAPH: z.string().default('supergraph.graphql'),
    CORS_ORIGINS: z
      .string()
      .default('http://localhost:5173,http://127.0.0.1:5173')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    // Operation guards of the gateway (docs/errors.md). Subgraphs refuse past depth and alias limits
    // derived from these (`subgraphShapeLimits`), set above what the gateway's own fetches need.
    /** Lexical tokens a document may have; parsing stops past it, so size and nesting are bounded before anything else. */
    GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).default(2000),
    /** Fields nested in one another (`{ me { id } }` is 2); introspection is bounded separately by graphql-js. */
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).default(10),
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
    GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20),
    /** Fields an operation may resolve in the worst case: each field once per parent object, a list as its `first`/`last` items, else GRAPHQL_DEFAULT_LIST_SIZE. */
    GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(5000),
    GRAPHQL_DEFAULT_LIST_SIZE: z.coerce.number().int().min(1).default(10),
    /** Introspection and "Did you mean …" suggestions; default: on outside production. */
    GRAPHQL_INTROSPECTION: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    /** graphql-ws sockets the gateway holds at once, acknowledged or not; the surplus is closed with 1013. */
    WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(10_000),
    WS_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(100),
    /** The gateway's cache of public query responses (README, "Response cache"); `false`: every query reaches the subgraphs. */
    RESPONSE_CACHE: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Memory the gateway's response cache may hold (JSON size); the least recently used responses go first. */
    RESPONSE_CACHE_MAX_MB: z.coerce.number().int().min(1).default(16),
    // Rate limits (README, "Rate limits"), counted in Redis so that every replica shares them.
    /** Operations a signed-in user may send the gateway per window, over HTTP and WebSocket together. */
    RATE_LIMIT_PER_USER: z.coerce.number().int().min(1).default(600),
    /** Operations per window from one address without a credential. */
    RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(300),
    /** The gateway's rate-limit window, from a caller's first operation in it. */
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
    /** Failed log-ins in a row for one email before it is locked; while locked even the right password is refused. */
    LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(5),
    /** The first lock-out; each further one within a day lasts twice as long as the last, up to LOGIN_LOCKOUT_MAX_SECONDS. */
    LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(60),
    LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().int().min(1).default(3600),
    /** Failed log-ins per day from one address, whichever emails they tried. */
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
    /** Sign-up attempts per hour from one address, and for one email. */
    SIGNUP_MAX_PER_IP: z.coerce.number().int().min(1).default(20),
    SIGNUP_MAX_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  })
  // The access-token keys are checked where they are used: the gateway (public) and accounts (private).
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    if (!c.INTERNAL_TOKEN_SECRET || c.INTERNAL_TOKEN_SECRET === DEV_INTERNAL_TOKEN_SECRET)
      ctx.addIssue({ code: 'custom', path: ['INTERNAL_TOKEN_SECRET'], message: 'must be set in production' });
    if (c.SUPERGRAPH === 'introspect')
      ctx.addIssue({ code: 'custom', path: ['SUPERGRAPH'], message: 'introspection is for development only' });
  })
  // Runs only for a configuration that passed the checks above: production never gets here without one.
  .transform((c) => ({ ...c, INTERNAL_TOKEN_SECRET: c.INTERNAL_TOKEN_SECRET ?? developmentSecret(c.KEYS_DIR) }));

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

/**
 * Whether clients may learn the schema: introspection and "Did you mean …" suggestions in
 * validation errors. Off in production unless GRAPHQL_INTROSPECTION=true.
 */
export const schemaVisible = (config: Config): boolean => config.GRAPHQL_INTROSPECTION ?? config.NODE_ENV !== 'production';
