import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';

/** RFC 6455's "Try Again Later": graphql-ws clients retry it with backoff, as they should. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export type SocketRefusal = 'total' | 'perIp';

export interface SocketLimits {
  /** Sockets open at once, whoever holds them. */
  total: number;
  /** Sockets open at once from one client address. */
  perIp: number;
}

const REASONS: Record<SocketRefusal, string> = {
  total: 'The server holds as many WebSocket connections as it takes; retry later',
  perIp: 'Too many WebSocket connections from this address; close one or retry later',
};

/**
 * Caps the WebSocket connections the gateway holds, in total and per client address. A socket
 * counts from the moment it opens, before `connection_init` and authentication: idle anonymous
 * sockets cost memory and file descriptors too. The surplus is closed with 1013.
 */
export class SocketLimiter {
  private readonly perIp = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: SocketLimits,
    private readonly onRefused: (reason: SocketRefusal, ip: string) => void = () => {},
  ) {}

  /** Sockets open now (acknowledged or not). */
  get open(): number {
    return this.total;
  }

  /**
   * Counts every socket `wss` accepts from now on. Attach before the graphql-ws server, so a
   * refused socket is closed before the protocol sees it.
   */
  attach(wss: WebSocketServer): () => void {
    const onConnection = (socket: WebSocket, request: IncomingMessage) => this.admit(socket, request.socket.remoteAddress ?? 'unknown');
    wss.on('connection', onConnection);
    return () => wss.off('connection', onConnection);
  }

  private admit(socket: WebSocket, ip: string) {
    const fromIp = this.perIp.get(ip) ?? 0;
    const refusal: SocketRefusal | undefined =
      this.total >= this.limits.total ? 'total' : fromIp >= this.limits.perIp ? 'perIp' : undefined;
    if (refusal) {
      this.onRefused(refusal, ip);
      socket.close(CLOSE_TRY_AGAIN_LATER, REASONS[refusal]);
      return;
    }
    this.total++;
    this.perIp.set(ip, fromIp + 1);
    socket.once('close', () => {
      this.total--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
  }
}
