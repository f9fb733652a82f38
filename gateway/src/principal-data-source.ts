import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { Pool } from 'undici';
import {
  DEADLINE_HEADER,
  PRINCIPAL_HEADER,
  serviceUnavailable,
  signPrincipal,
  type MembershipSource,
  type Principal,
} from '@lattice/platform/core';
import type { GatewayContext } from './context';

/** Signed principal tokens live 60 s; one is reused while it has at least this much left. */
const REUSE_MS = 30_000;
const MAX_CACHED = 10_000;

/**
 * Signs internal principal tokens, reusing a fresh one per principal: a subscription event
 * fans out into an entity fetch per subscriber, and signing each one showed up in profiles.
 */
export class PrincipalSigner {
  private readonly tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly secret: string) {}

  async sign(principal: Principal): Promise<string> {
    const key = JSON.stringify(principal);
    const now = Date.now();
    const cached = this.tokens.get(key);
    if (cached && cached.until > now) return cached.token;
    const token = await signPrincipal(principal, this.secret);
    if (this.tokens.size >= MAX_CACHED) this.tokens.clear();
    this.tokens.set(key, { token, until: now + REUSE_MS });
    return token;
  }
}

/**
 * The subgraph is told to commit nothing after `timeout - margin`, so a write that commits just
 * before its deadline still has the margin to report success before the gateway gives up.
 */
export const deadlineMargin = (timeoutMs: number) => Math.min(1000, Math.floor(timeoutMs / 5));

type GraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

/** A subgraph's answer as it came off the wire: parsed once per caller, since callers mutate what they get. */
interface RawAnswer {
  status: number;
  contentType: string;
  cacheControl: string | undefined;
  body: string;
}

// By name and code, not instanceof: undici's errors may come from another realm (jest's, for one).
const nameOf = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined);
const codeOf = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);
const isAbort = (err: unknown) => nameOf(err) === 'TimeoutError' || nameOf(err) === 'AbortError';
/** The socket never connected or broke: refused, reset, closed mid-answer. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);
const isMutation = (query: string) => /^\s*mutation\b/.test(query);

/**
 * The gateway's client for one subgraph: an undici connection pool (keep-alive, no per-call
 * Request/Headers/web-stream objects: Node's fetch and Apollo's make-fetch-happen cost the gateway
 * about 2 ms of CPU per Q2 request), a fresh internal principal token and the request id on every
 * call, a bound on time (the subgraph is told its deadline), and one mapping of every way a
 * call can fail (see `failure`).
 *
 * Identical queries in flight at once are sent once: same subgraph, same body and the same
 * signed principal token, i.e. the same caller with the same memberships. Mutations never are.
 */
export class PrincipalDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly inFlight = new Map<string, Promise<RawAnswer>>();
  /** Subgraph calls actually sent (not merged into one in flight): for tests and metrics. */
  sent = 0;

  constructor(
    readonly serviceName: string,
    url: string,
    private readonly signer: PrincipalSigner,
    private readonly timeoutMs: number,
    /** Builds the principal again after a mutation's fetch (see `refreshAfterMutation`). */
    private readonly memberships?: Pick<MembershipSource, 'principalFor'>,
  ) {
    const target = new URL(url);
    this.path = `${target.pathname}${target.search}`;
    this.pool = new Pool(target.origin, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GraphQLResponse> {
    const { request } = options;
    const query = request.query;
    if (!query) throw new Error('Missing query');
    const headers = await this.headersFor(options);
    const body = JSON.stringify({
      query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    const mutation = isMutation(query);
    const answer = await (mutation ? this.send(headers, body) : this.sendOnce(headers, body));
    const response = this.parse(answer);
    if (mutation) await this.refreshAfterMutation(options);
    if (options.kind === 'incoming operation') this.restrictCachePolicy(options.incomingRequestContext.overallCachePolicy, answer);
    return response;
  }

  /** Closes the pool's sockets (the gateway is stopping). */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async headersFor({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [DEADLINE_HEADER]: String(Date.now() + this.timeoutMs - deadlineMargin(this.timeoutMs)),
    };
    // Apollo adds its own (a trace request) here; none are set by default.
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name] = value;
    // Health checks and schema loads carry no caller.
    if (!('principal' in context)) return headers;
    if (context.requestId) headers['x-request-id'] = context.requestId;
    if (context.ip) headers['x-forwarded-for'] = context.ip;
    if (context.principal) headers[PRINCIPAL_HEADER] = await this.signer.sign(context.principal);
    return headers;
  }

  /** `send`, shared by every identical call while one is in flight. */
  private sendOnce(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    const key = `${headers[PRINCIPAL_HEADER] ?? ''}\n${body}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const sending = this.send(headers, body).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, sending);
    return sending;
  }

  private async send(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    this.sent++;
    // Bounds the whole call (undici's own timeouts each bound one phase). Not AbortSignal.timeout:
    // its timer outlives the call and, when it fires, builds a DOMException for a signal no one reads.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError()), this.timeoutMs);
    try {
      const res = await this.pool.request({ method: 'POST', path: this.path, headers, body, signal: abort.signal });
      const contentType = res.headers['content-type'];
      const cacheControl = res.headers['cache-control'];
      return {
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : '',
        cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined,
        body: await res.body.text(),
      };
    } catch (err) {
      throw this.failure(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The one place a subgraph call's failures are mapped. A subgraph's own GraphQL errors,
   * whatever the HTTP status (a 400 for a variable its scalar refused), pass through like a 200's:
   * Apollo names the service and keeps their codes. A subgraph that is down, does not answer
   * within the timeout, or sits behind a proxy answering 502–504 is SERVICE_UNAVAILABLE with
   * `extensions.serviceName`. Anything else stays unexpected (masked and logged).
   */
  private parse(answer: RawAnswer): GraphQLResponse {
    const json = /^application\/(graphql-response\+)?json/.test(answer.contentType) ? tryParse(answer.body) : undefined;
    if (answer.status >= 200 && answer.status < 300) {
      if (typeof json !== 'object' || json === null)
        throw new Error(`Expected a JSON object from ${this.serviceName}, got: ${answer.body.slice(0, 200)}`);
      return json as GraphQLResponse;
    }
    const errors = (json as { errors?: unknown } | undefined)?.errors;
    if (Array.isArray(errors) && errors.length) return json as GraphQLResponse;
    if (UNAVAILABLE_STATUS.has(answer.status))
      throw this.unavailable(`The ${this.serviceName} service answered ${answer.status}`, 'UNREACHABLE');
    throw new GraphQLError(`${answer.status}: ${this.serviceName} answered without GraphQL errors`, {
      extensions: { response: { status: answer.status, body: answer.body.slice(0, 1000) } },
    });
  }

  private failure(err: unknown): unknown {
    if (isAbort(err) || codeOf(err) === 'UND_ERR_HEADERS_TIMEOUT' || codeOf(err) === 'UND_ERR_BODY_TIMEOUT')
      return this.unavailable(`The ${this.serviceName} service did not answer within ${this.timeoutMs} ms`, 'TIMEOUT');
    if (UNREACHABLE_CODES.has(codeOf(err) as string))
      return this.unavailable(`The ${this.serviceName} service could not be reached`, 'UNREACHABLE');
    return err;
  }

  /**
   * What Apollo's RemoteGraphQLDataSource does with `honorSubgraphCacheControlHeader`: the
   * operation's cache policy is no looser than any subgraph answer it used. No header is max-age 0,
   * so a response is cacheable only when every subgraph said so.
   */
  private restrictCachePolicy(policy: CachePolicy | undefined, answer: RawAnswer): void {
    if (!policy || typeof policy.restrict !== 'function') return;
    const header = answer.cacheControl ?? '';
    const maxAge = /(?:^|,)\s*max-age=(\d+)\s*(?:,|$)/.exec(header);
    const scope = /(?:^|,)\s*public\s*(?:,|$)/.test(header) ? 'PUBLIC' : /(?:^|,)\s*private\s*(?:,|$)/.test(header) ? 'PRIVATE' : undefined;
    policy.restrict({ maxAge: maxAge ? Number(maxAge[1]) : 0, ...(scope ? { scope } : {}) });
  }

  /**
   * A mutation may have changed the caller's memberships (createOrganization): accounts writes
   * the projection before it answers, so the fetches that follow in the same plan (billing's
   * `_entities` for the new organization) carry a principal read from Redis now, past the cache.
   */
  private async refreshAfterMutation(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const context = options.context as Partial<GatewayContext>;
    if (!this.memberships || context.credential?.kind !== 'user') return;
    context.principal = await this.memberships.principalFor(context.credential, { fresh: true });
  }

  private unavailable(message: string, reason: string) {
    return serviceUnavailable(`${message}; retry`, { serviceName: this.serviceName, reason });
  }
}

const timeoutError = () => Object.assign(new Error('The subgraph did not answer in time'), { name: 'TimeoutError' });

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
