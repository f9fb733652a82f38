import { createServer as accounts } from '@lattice/accounts';
import { createServer as aiPlatform } from '@lattice/ai-platform';
import { createServer as billing } from '@lattice/billing';
import { createGateway } from '@lattice/gateway';
import { createServer as monitoring } from '@lattice/monitoring';
import { startStack } from '@lattice/testing';

export const SUBGRAPH_FACTORIES = { accounts, billing, 'ai-platform': aiPlatform, monitoring };

/** All four subgraphs and the gateway, in-process on port 0. */
export const startProduct = () => startStack({ subgraphs: SUBGRAPH_FACTORIES, gateway: createGateway });

export { onboard, type Onboarded } from '@lattice/testing';
