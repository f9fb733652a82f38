import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** 127.0.0.1 port the proxy listens on (the same after `restore()`). */
  readonly port: number;
  /** From now on nothing passes either way and nobody is told: a peer that hung after the handshake. */
  freeze(): void;
  /** The service is gone: every connection dropped, new ones refused, until `restore()`. */
  cut(): Promise<void>;
  /** Listen again on the same port; traffic flows again. */
  restore(): Promise<void>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy a fault test controls, in front of a real service (Redis, PostgreSQL), so a test
 * never stops the machine's own. `freeze()`: clients finish their handshake first, as they
 * would with a service that hangs later; `cut()`/`restore()`: an outage and a recovery.
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  let server: Server | undefined;
  let port = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const listen = async () => {
    const next = createServer((client) => {
      const upstream = connect(target.port, target.host);
      track(client);
      track(upstream);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      // Forward while not frozen; afterwards read and drop, so neither side's writes ever block.
      client.on('data', (chunk) => void (frozen || upstream.write(chunk)));
      upstream.on('data', (chunk) => void (frozen || client.write(chunk)));
    });
    await new Promise<void>((resolve, reject) => next.once('error', reject).listen(port, '127.0.0.1', resolve));
    server = next;
    port = (next.address() as { port: number }).port;
  };
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    const closing = server;
    server = undefined;
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    freeze() {
      frozen = true;
    },
    cut,
    async restore() {
      frozen = false;
      await listen();
    },
    close: cut,
  };
}
