import { Directive } from 'type-graphql';

/**
 * Apollo Server's `@cacheControl`, declared in every subgraph's schema (see federation.ts) so any
 * domain may hint. A subgraph's Apollo Server turns an operation's hints into its answer's
 * `Cache-Control` header; the gateway caches a response only when every subgraph answer it used
 * said `public` with a max-age (gateway/src/response-cache.ts). Unhinted root fields and fields
 * returning objects are max-age 0, so nothing is cacheable unless a hint says so. The enum is
 * @inaccessible: composition would otherwise put an unused `CacheControlScope` in the API schema.
 */
export const CACHE_CONTROL_SDL = `enum CacheControlScope @inaccessible { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION`;

/**
 * How long the gateway may reuse a public answer. Changes are announced (`publicDataChanged`) and
 * clear the gateway's cache at once: this only bounds staleness when an announcement is lost.
 */
export const PUBLIC_MAX_AGE_SECONDS = 60;

/**
 * For a root field whose answer is the same for every caller, anonymous included. Put it on the
 * field, never on a type: a type's hint applies wherever the type appears, so a later
 * caller-specific field returning it (the plan *your* organization is on) would be shared too.
 */
export const PublicCacheHint = (maxAgeSeconds = PUBLIC_MAX_AGE_SECONDS) =>
  Directive(`@cacheControl(maxAge: ${maxAgeSeconds}, scope: PUBLIC)`);

/** For an object-returning field under a hinted one: as cacheable as its parent (else max-age 0). */
export const InheritCacheHint = () => Directive('@cacheControl(inheritMaxAge: true)');
