/**
 * A DynamoDB-protocol server (dynalite, in memory) in its own process, as DynamoDB is remote to a Lambda:
 * the server's CPU is then not the benchmark's. It counts the requests it serves; the parent asks for the
 * count over IPC. Binds 127.0.0.1 only.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
let requests = 0;
server.on('request', () => {
  requests += 1;
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', requests });
  if (message.type === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
