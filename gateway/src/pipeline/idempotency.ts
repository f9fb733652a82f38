import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { badRequest, ErrorCode, withDeadline, type Logger, type Principal } from '@lattice/platform/core';
import type { GatewayContext } from '../context';
import { fingerprintOf, IdempotencyStore, type Claim } from './idempotency-store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on a response that is a stored one sent again. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Redis must answer a claim this fast, or the mutation is refused rather than left waiting. */
const CLAIM_PATIENCE_MS = 1000;
// Visible ASCII, as the IETF draft and Stripe allow; long enough for a UUID or a hash.
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;
/** Errors that mean the mutation did not take effect (deadline rolled it back, or it never ran). */
const NOT_APPLIED = new Set<unknown>([ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.RATE_LIMITED]);

/** Keys live per caller and per active organization: a key never reaches another caller's response. */
const ownerOf = (p: Principal) => `${p.kind}:${p.sub}:${p.org ?? ''}`;

/** The structured-field form `"abc"` (IETF draft) and the bare form `abc` (Stripe) are the same key. */
const parseKey = (raw: string) => raw.trim().replace(/^"(.*)"$/, '$1');

const errorResponse = (status: number, code: ErrorCode, message: string): GraphQLResponse => ({
  http: { status, headers: new HeaderMap() },
  body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } },
});

/** Nothing stored and a retry runs again: no field answered and every error says it did not apply. */
const notApplied = (result: FormattedExecutionResult) =>
  result.data == null && !!result.errors?.length && result.errors.every((e) => NOT_APPLIED.has(e.extensions?.code));

/**
 * `Idempotency-Key` on HTTP mutations: the first request with a key runs and its response is
 * kept (`IDEMPOTENCY_TTL`); a retry with the same key and body gets that response again without
 * running, a different body is CONFLICT (HTTP 422), and a retry while the first still runs is
 * CONFLICT (HTTP 409) — it does not wait. Queries ignore the header. Redis is required: when it
 * does not answer, a keyed mutation is refused (SERVICE_UNAVAILABLE) rather than run unguarded.
 */
export function idempotencyPlugin(options: { store: IdempotencyStore; logger: Logger }): ApolloServerPlugin<GatewayContext> {
  const { store, logger } = options;
  return {
    async requestDidStart({ request }) {
      const raw = request.http?.headers.get(IDEMPOTENCY_HEADER);
      if (raw === undefined) return;
      const key = parseKey(raw);
      let claim: Claim | undefined;
      let executed = false;
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          if (!VALID_KEY.test(key)) throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
          // Keys are scoped per caller; anonymous callers have no scope that keeps them apart.
          if (!contextValue.principal) throw badRequest('Idempotency-Key needs a credential (Authorization)');
        },
        // After every plugin's checks (guards, limits): a refused operation claims nothing.
        async responseForOperation({ operation, contextValue, source, request: { operationName, variables } }) {
          if (operation.operation !== 'mutation' || !contextValue.principal) return null;
          try {
            claim = await withDeadline(
              store.claim(ownerOf(contextValue.principal), key, fingerprintOf(source, operationName, variables)),
              CLAIM_PATIENCE_MS,
              'Redis',
            );
          } catch (err) {
            logger.warn({ err }, 'idempotency key not claimed: Redis unavailable');
            return errorResponse(
              503,
              ErrorCode.SERVICE_UNAVAILABLE,
              'Idempotency keys cannot be checked right now; retry with the same key',
            );
          }
          switch (claim.kind) {
            case 'execute':
              return null;
            case 'replay':
              return {
                http: { status: claim.response.status, headers: new HeaderMap([[REPLAYED_HEADER, 'true']]) },
                body: { kind: 'single', singleResult: claim.response.body },
              };
            case 'inFlight':
              return errorResponse(
                409,
                ErrorCode.CONFLICT,
                'A request with this Idempotency-Key is still running; retry once it has finished',
              );
            case 'mismatch':
              return errorResponse(422, ErrorCode.CONFLICT, 'This Idempotency-Key was used with a different request body');
          }
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ response }) {
          if (claim?.kind !== 'execute') return;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          try {
            const stored =
              executed && result && !notApplied(result)
                ? store.complete(claim, { status: response.http.status ?? 200, body: result })
                : store.release(claim);
            await withDeadline(stored, CLAIM_PATIENCE_MS, 'Redis');
          } catch (err) {
            // The claim expires on its own; until then a retry is told the first is still running.
            logger.warn({ err }, 'idempotent response not stored: Redis unavailable');
          }
        },
      };
    },
  };
}

export { IdempotencyStore };
