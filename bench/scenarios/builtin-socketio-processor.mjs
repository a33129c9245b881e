// The chat processor, adapted to Artillery's built-in `socketio` engine. That engine opens
// the user's socket before the first flow step, while the processor's prepareUser expects to
// see the socket arrive later (it watches the default namespace entry of context.sockets).
// This shim takes the open socket out, lets prepareUser install its watch, and puts the
// socket back through it.
//
// NOTE: the connection is already up when prepareUser stamps the connect start, so connect
// latency under this engine covers only the join, not the WebSocket handshake.
import * as chatSteps from '../../loadtest/scenarios/processor.mjs';

export function prepareUser(context, events, next) {
  const socket = context.sockets?.[''];
  if (context.sockets !== undefined) {
    delete context.sockets[''];
  }
  chatSteps.prepareUser(context, events, (error) => {
    if (socket !== undefined && context.sockets !== undefined) {
      context.sockets[''] = socket;
    }
    next(error);
  });
}

export const joinRoom = chatSteps.joinRoom;
export const chat = chatSteps.chat;
