import { createServer as accounts } from '@lattice/accounts';
import { createServer as aiPlatform } from '@lattice/ai-platform';
import { createServer as billing } from '@lattice/billing';
import { createGateway } from '@lattice/gateway';
import { createServer as monitoring } from '@lattice/monitoring';
import type { SubgraphName } from '@lattice/platform';
import { startStack, type SubgraphFactory } from '@lattice/testing';

/** Every subgraph of the platform's table (a missing one fails the type check). */
export const SUBGRAPH_FACTORIES: Record<SubgraphName, SubgraphFactory> = { accounts, billing, 'ai-platform': aiPlatform, monitoring };

/** All four subgraphs and the gateway, in-process on port 0. */
export const startProduct = () => startStack({ subgraphs: SUBGRAPH_FACTORIES, gateway: createGateway });

export { onboard, type Onboarded } from '@lattice/testing';
