/**
 * A loopback TCP proxy in front of one or more aimdb servers that can cut a connection after the
 * server has answered: it forwards the request whole, passes on only the first bytes of the reply
 * and then resets the client's socket. The server has done the work; the client never learns it.
 * Each new connection goes to the next upstream in turn (several stateless servers behind one
 * address, as behind a load balancer).
 */
import net from 'node:net';

export interface ReplyCuttingProxy {
  url: string;
  /** Cuts the next `count` replies after their first `keepBytes` bytes. */
  cutNextReplies(count: number, keepBytes?: number): void;
  /** Replies cut so far. */
  cuts(): number;
  /** Connections made to each upstream, in upstream order. */
  connectionsPerUpstream(): number[];
  close(): Promise<void>;
}

export async function startReplyCuttingProxy(upstreamUrls: string[]): Promise<ReplyCuttingProxy> {
  const upstreams = upstreamUrls.map((url) => new URL(url));
  const perUpstream = upstreams.map(() => 0);
  const sockets = new Set<net.Socket>();
  let toCut = 0;
  let keep = 12;
  let cut = 0;
  let next = 0;

  const server = net.createServer((client) => {
    const index = next++ % upstreams.length;
    perUpstream[index]! += 1;
    const target = upstreams[index]!;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', () => {
      upstream.destroy();
      forget();
    });
    upstream.on('close', () => {
      client.destroy();
      forget();
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (toCut > 0) {
        toCut -= 1;
        cut += 1;
        client.write(chunk.subarray(0, keep), () => {
          client.resetAndDestroy();
          upstream.destroy();
        });
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cutNextReplies(count, keepBytes = 12) {
      toCut = count;
      keep = keepBytes;
    },
    cuts: () => cut,
    connectionsPerUpstream: () => [...perUpstream],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
