import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSubgraphName, SUBGRAPHS, subgraphPort, subgraphUrlOverride, type Config } from '@lattice/platform/core';

/** The URL a subgraph is called at: the environment's override, else the supergraph's. */
export const subgraphUrl = (config: Config, name: string, supergraphUrl: string | undefined): string | undefined =>
  (isSubgraphName(name) ? subgraphUrlOverride(config, name) : undefined) ?? supergraphUrl;

/** The supergraph path is resolved against the repository root, wherever the process starts. */
export const readSupergraph = (config: Config): string => readFileSync(resolve(__dirname, '../..', config.SUPERGRAPH), 'utf8');

/** Where the subgraphs listen locally, for SUPERGRAPH=introspect (development only). */
export const localSubgraphs = (config: Config) =>
  SUBGRAPHS.map((name) => ({ name, url: subgraphUrlOverride(config, name) ?? `http://127.0.0.1:${subgraphPort(config, name)}/graphql` }));
