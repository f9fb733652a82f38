/**
 * V8 flags the gateway process runs with (`npm start`, compose, the benchmarks). A young
 * generation of 32 MiB per semi-space instead of 16: at 2,000 requests/s the default one filled
 * every few milliseconds, promoting short-lived request garbage into the old generation, whose
 * collections showed as 100–400 ms p99 stalls in the open-loop benchmark; with it the gateway
 * used about a third less CPU at the same rate (docs/bench/performance.md).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
