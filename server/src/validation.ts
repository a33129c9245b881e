import {
  type ChatMessage,
  MAX_ROOM_NAME_LENGTH,
  type RejectReason,
  ROOM_NAME_PATTERN,
  type RoomName,
} from './protocol.ts';

/** Deepest nesting of objects and arrays accepted inside a chat message. */
export const MAX_MESSAGE_DEPTH = 4;

/** A client event that cannot be accepted: the reason is the metric label and ack code. */
export class Rejection extends Error {
  override name = 'Rejection';
  readonly reason: RejectReason;

  constructor(reason: RejectReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function parseRoom(value: unknown): RoomName {
  if (value === undefined) {
    throw new Rejection('invalid_arguments', 'a room name is required as the first argument');
  }
  if (typeof value !== 'string') {
    throw new Rejection('invalid_room', `room must be a string, got ${describe(value)}`);
  }
  if (value.length === 0 || value.length > MAX_ROOM_NAME_LENGTH) {
    throw new Rejection(
      'invalid_room',
      `room must be 1-${MAX_ROOM_NAME_LENGTH} characters, got ${value.length}`,
    );
  }
  if (!ROOM_NAME_PATTERN.test(value)) {
    throw new Rejection('invalid_room', 'room may contain only letters, digits and _ . : -');
  }
  return value;
}

/** Checks that a chat message is JSON data with a `text` string, within the size limit. */
export function parseMessage(value: unknown, maxBytes: number): ChatMessage {
  if (value === undefined) {
    throw new Rejection('invalid_arguments', 'a message object is required as the second argument');
  }
  if (!isPlainObject(value)) {
    throw new Rejection('invalid_message', `message must be an object, got ${describe(value)}`);
  }
  if (typeof value.text !== 'string') {
    throw new Rejection('invalid_message', 'message.text must be a string');
  }
  checkJsonValue(value, 1);

  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxBytes) {
    throw new Rejection(
      'message_too_large',
      `message is ${bytes} bytes as JSON, the limit is ${maxBytes}`,
    );
  }
  return value as ChatMessage;
}

/** Accepts only JSON data: binary attachments and odd objects are not relayed. */
function checkJsonValue(value: unknown, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Rejection('invalid_message', 'message numbers must be finite');
    }
    return;
  }
  if (depth > MAX_MESSAGE_DEPTH) {
    throw new Rejection(
      'invalid_message',
      `message is nested deeper than ${MAX_MESSAGE_DEPTH} levels`,
    );
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      checkJsonValue(item, depth + 1);
    }
    return;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) {
      checkJsonValue(item, depth + 1);
    }
    return;
  }
  throw new Rejection('invalid_message', `message may hold only JSON data, got ${describe(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return 'binary data';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
