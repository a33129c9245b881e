/**
 * A single plain Socket.IO server with no adapter: the chat wire format's join and chat
 * events and nothing else (no validation, rate limit, metrics or Redis). It is the baseline
 * the chat server's cost per delivery is compared to.
 *
 * Usage: node plain-server-main.ts. Prints "ready PORT" once it listens on 127.0.0.1, and
 * exits on SIGTERM or SIGINT.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import type {
  ChatDelivery,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../../server/src/protocol.ts';

const REPLICA_ID = 'plain';

const http = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
  transports: ['websocket'],
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    void socket.join(room);
    ack?.({ ok: true, room, replica: REPLICA_ID });
  });
  socket.on('chat', (room, message, ack) => {
    const delivery: ChatDelivery = { room, sender: socket.id, message, origin: REPLICA_ID };
    socket.to(room).emit('chat', delivery);
    ack?.({ ok: true, room });
  });
});

await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const address = http.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`ready ${port}\n`);

const stop = () => {
  io.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
