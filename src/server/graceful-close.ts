/**
 * Closing a server ends every connection as soon as it carries nothing: Fastify's `close()` (with
 * `forceCloseConnections: 'idle'`) relies on Node's idle-connection sweep, which runs once and misses
 * two kinds of keep-alive connection. Each would hold `close()` open until the client or a timeout
 * let go: 72 s (Fastify's keepAliveTimeout) or 120 s (`server.connectionTimeoutMs`).
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function registerGracefulClose(app: FastifyInstance): void {
  let closing = false;
  const connections = new Set<Socket>();
  // A connection that has not sent a byte yet (a browser opens spare ones ahead of need): Node counts
  // it as busy until its first request ends, so the sweep skips it, and server.close() also stops the
  // headers-timeout check that would otherwise end it (nodejs/node#63470, merged May 2026; Node 24.22.3
  // still keeps such a connection). It has no request to lose.
  const dropUnused = () => {
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
  };
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    // Accepted after closing began but before the listener closed: give its request a turn to arrive.
    if (closing) setImmediate(dropUnused);
  });
  app.addHook('preClose', async () => {
    closing = true;
    dropUnused();
  });
  // A request in flight when closing begins is answered with `connection: close`.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });
  // An answer whose headers went out before closing began (a streamed history, a static file) was
  // still being written during the sweep, which skips such a connection; it turns idle only when the
  // answer ends, so end it then. Only this one: another sweep would also cut connections whose
  // answer is ended but not yet flushed (Node counts them idle).
  app.addHook('onResponse', async (request) => {
    if (closing) request.raw.socket?.end();
  });
}
