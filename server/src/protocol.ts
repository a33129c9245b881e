/**
 * The wire format between chat clients and a replica: Socket.IO event maps, payloads, acks
 * and error codes. docs/protocol.md describes the same format for people.
 */

/** Identifier of one server replica, e.g. a Swarm task's host name. */
export type ReplicaId = string;

/** Name of a chat room: 1 to MAX_ROOM_NAME_LENGTH characters from ROOM_NAME_PATTERN. */
export type RoomName = string;

/** Socket.IO socket id of the client that sent a message. */
export type SenderId = string;

export const ADAPTER_MODES = ['pubsub', 'sharded', 'streams'] as const;

/** Backplane flavour: classic pub/sub, sharded pub/sub (Redis 7 SPUBLISH) or Redis streams. */
export type AdapterMode = (typeof ADAPTER_MODES)[number];

export const MAX_ROOM_NAME_LENGTH = 64;
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/**
 * A chat message as a client sends it: a `text` plus any small fields the client adds for
 * measuring (sequence number, send time). The server relays every field unchanged.
 */
export interface ChatMessage {
  text: string;
  [field: string]: unknown;
}

/** Sent to each client right after it connects. */
export interface Welcome {
  replica: ReplicaId;
  version: string;
  adapter: AdapterMode;
  socketId: SenderId;
  limits: {
    maxMessageBytes: number;
    messagesPerSecond: number;
  };
}

/** A chat message as delivered to the other members of the room. */
export interface ChatDelivery {
  room: RoomName;
  sender: SenderId;
  message: ChatMessage;
  /** Replica the sender is connected to, stamped by that replica. */
  origin: ReplicaId;
}

export const REJECT_REASONS = [
  'invalid_arguments',
  'invalid_room',
  'invalid_message',
  'message_too_large',
  'rate_limited',
  'not_member',
  'too_many_rooms',
  'unknown_event',
  'frame_too_large',
] as const;

/** Reason the server rejected an event, also the `reason` label of the rejection counter. */
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface AckError {
  ok: false;
  error: {
    code: RejectReason;
    message: string;
  };
}

export type Ack<Result> = ({ ok: true } & Result) | AckError;

export interface JoinResult {
  room: RoomName;
  /** Replica that accepted the join, so a client need not wait for `welcome` to know it. */
  replica: ReplicaId;
}

export interface LeaveResult {
  room: RoomName;
}

export interface ChatResult {
  room: RoomName;
}

export type AckCallback<Result> = (response: Ack<Result>) => void;

export interface ClientToServerEvents {
  join: (room: RoomName, ack?: AckCallback<JoinResult>) => void;
  leave: (room: RoomName, ack?: AckCallback<LeaveResult>) => void;
  chat: (room: RoomName, message: ChatMessage, ack?: AckCallback<ChatResult>) => void;
}

export interface ServerToClientEvents {
  welcome: (welcome: Welcome) => void;
  chat: (delivery: ChatDelivery) => void;
}
