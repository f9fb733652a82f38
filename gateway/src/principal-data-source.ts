import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLError } from 'graphql';
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

type GraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

// By name, not instanceof: undici's errors come from Node's own realm (not jest's, for one).
const nameOf = (err: unknown) => (typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined);
const isAbort = (err: unknown) => nameOf(err) === 'TimeoutError' || nameOf(err) === 'AbortError';
/** Node's fetch fails with "fetch failed" and the socket error as its cause (ECONNREFUSED, ECONNRESET…). */
const isUnreachable = (err: unknown) => nameOf(err) === 'TypeError' && (err as Error).message === 'fetch failed';
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/**
 * Calls a subgraph with a fresh internal principal token and the request id, gives up after
 * `timeoutMs` (telling the subgraph its deadline), and turns every way a fetch can fail into one
 * kind of answer (see `process`).
 */
export class PrincipalDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly serviceName: string,
    url: string,
    private readonly signer: PrincipalSigner,
    private readonly timeoutMs: number,
    /** Builds the principal again after a mutation's fetch (see `process`). */
    private readonly memberships?: Pick<MembershipSource, 'principalFor'>,
  ) {
    // Node's own fetch: Apollo's default (make-fetch-happen) spent a fifth of the gateway's CPU
    // per entity fetch in the subscription benchmark. The signal also bounds reading the body.
    super({
      url,
      fetcher: ((input: string, init: RequestInit) =>
        fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher,
    });
  }

  /**
   * The one place a subgraph fetch's failures are mapped. A subgraph's own GraphQL errors,
   * whatever the HTTP status (a 400 for a variable its scalar refused), pass through like a 200's:
   * Apollo names the service and keeps their codes. A subgraph that is down, does not answer
   * within the timeout, or sits behind a proxy answering 502–504 is SERVICE_UNAVAILABLE with
   * `extensions.serviceName`. Anything else stays unexpected (masked and logged).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GraphQLResponse> {
    try {
      const response = await super.process(options);
      await this.refreshAfterMutation(options);
      return response;
    } catch (err) {
      const response = (err as GraphQLError).extensions?.response as { status?: number; body?: unknown } | undefined;
      const body = response?.body as { errors?: unknown } | undefined;
      if (body && typeof body === 'object' && Array.isArray(body.errors) && body.errors.length) return body as GraphQLResponse;
      if (isAbort(err)) throw this.unavailable(`The ${this.serviceName} service did not answer within ${this.timeoutMs} ms`, 'TIMEOUT');
      if (isUnreachable(err)) throw this.unavailable(`The ${this.serviceName} service could not be reached`, 'UNREACHABLE');
      if (response?.status && UNAVAILABLE_STATUS.has(response.status))
        throw this.unavailable(`The ${this.serviceName} service answered ${response.status}`, 'UNREACHABLE');
      throw err;
    }
  }

  /**
   * A mutation may have changed the caller's memberships (createOrganization): accounts writes
   * the projection before it answers, so the fetches that follow in the same plan (billing's
   * `_entities` for the new organization) carry a principal read from Redis now, past the cache.
   */
  private async refreshAfterMutation(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Health checks and schema loads carry no credential.
    const context = options.context as Partial<GatewayContext>;
    if (!this.memberships || context.credential?.kind !== 'user' || !/^\s*mutation\b/.test(options.request.query ?? '')) return;
    context.principal = await this.memberships.principalFor(context.credential, { fresh: true });
  }

  private unavailable(message: string, reason: string) {
    return serviceUnavailable(`${message}; retry`, { serviceName: this.serviceName, reason });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(DEADLINE_HEADER, String(Date.now() + this.timeoutMs - deadlineMargin(this.timeoutMs)));
    if (!('principal' in context)) return;
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.ip) headers.set('x-forwarded-for', context.ip);
    if (context.principal) headers.set(PRINCIPAL_HEADER, await this.signer.sign(context.principal));
  }
}
