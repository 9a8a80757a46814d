import type { Server } from 'node:http';
import type { Server as TcpServer } from 'node:net';

/** Test servers (stubs of a failing or silent endpoint) listen on loopback only, on a free port. */
export function listen(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

export function port(server: Server | TcpServer): number {
  return (server.address() as { port: number }).port;
}

export function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
