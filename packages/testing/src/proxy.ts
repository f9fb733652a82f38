import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** 127.0.0.1 port the proxy listens on (the same after `restore()`). */
  readonly port: number;
  /** From now on nothing passes either way and nobody is told: a peer that hung after the handshake. */
  freeze(): void;
  /**
   * A network that black-holes packets and later heals: nothing passes either way, but what was
   * sent is held, and `restore()` delivers it late, in order (as TCP retransmission would).
   */
  stall(): void;
  /** The service is gone: every connection dropped, new ones refused, until `restore()`. */
  cut(): Promise<void>;
  /** Traffic flows again (what a `stall()` held is delivered first); after `cut()`, listen again on the same port. */
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
  let stalled = false;
  // Chunks held while stalled, per destination socket, delivered by restore().
  const held = new Map<Socket, Buffer[]>();
  const closeLater = new Set<Socket>();
  const forward = (to: Socket, chunk: Buffer) => {
    if (frozen) return;
    if (stalled) return void held.set(to, [...(held.get(to) ?? []), chunk]);
    to.write(chunk);
  };
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
      // While stalled a close is held too: it reaches the other side after the data sent before it.
      client.on('close', () => (stalled ? closeLater.add(upstream) : upstream.destroy()));
      upstream.on('close', () => (stalled ? closeLater.add(client) : client.destroy()));
      // Forward while not frozen; afterwards read and drop, so neither side's writes ever block.
      client.on('data', (chunk: Buffer) => forward(upstream, chunk));
      upstream.on('data', (chunk: Buffer) => forward(client, chunk));
    });
    await new Promise<void>((resolve, reject) => next.once('error', reject).listen(port, '127.0.0.1', resolve));
    server = next;
    port = (next.address() as { port: number }).port;
  };
  const cut = async () => {
    held.clear();
    closeLater.clear();
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
    stall() {
      stalled = true;
    },
    cut,
    async restore() {
      frozen = false;
      stalled = false;
      for (const [socket, chunks] of held) for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
      held.clear();
      for (const socket of closeLater) socket.end();
      closeLater.clear();
      if (!server) await listen();
    },
    close: cut,
  };
}
