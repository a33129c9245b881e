/**
 * Exact delivery accounting for the rooms of one load-generator thread.
 *
 * Every room lives inside one thread, so this class handles every join, leave, send and
 * receipt of its rooms in one order and on one clock. When a member sends, the class
 * records which other members were in the room (join acknowledged, not leaving) at that
 * moment: those deliveries are expected. A receipt removes its receiver from the message's
 * set, and at the end of the drain window whatever is still expected is lost. So
 * `expected = delivered + lost + pending` at every moment, and `pending` is 0 once finished.
 *
 * The class has no Artillery or Socket.IO dependency: callers pass the times (nanoseconds of
 * `process.hrtime.bigint()`) and replica ids, so tests can drive it with crafted sequences.
 */
import type { SendTimeCounts } from './send-time-counts.ts';

/** Identifier of a virtual user, unique within one thread. */
export type MemberId = number;

/** Times on the monotonic clock, nanoseconds. */
export interface StepWindow {
  measureStart: bigint;
  measureEnd: bigint;
  drainEnd: bigint;
}

/** One receipt of a chat message, as the receiving member saw it. */
export interface ReceivedMessage {
  receiver: MemberId;
  sender: MemberId;
  sequence: number;
  /** Replica the server stamped as the message's origin. */
  origin: string;
  /** Send time the sender wrote into the message, ns; undefined when missing. */
  sentAt: bigint | undefined;
}

export interface DeliveryCounts {
  /** Messages sent inside the measure window. */
  sent: number;
  /** Deliveries owed: for each message, members other than the sender at send time. */
  expected: number;
  /** Expected deliveries received before the end of the drain window. */
  delivered: number;
  /** Expected deliveries still missing at the end of the drain window. */
  lost: number;
  /** Expected deliveries neither received nor yet counted lost. */
  pending: number;
  /** Receipts of a message the receiver had already received. */
  duplicated: number;
  /** First receipts of a number lower than one already received from the same sender. */
  reordered: number;
  /** Receipts by a client that was not a member when the message was sent. */
  unexpected: number;
  /** Of `lost`: deliveries whose receiver or sender lost its connection during the step. */
  lostToDisconnects: number;
  /** Messages the server rejected; their deliveries are removed from `expected`. */
  rejected: number;
  /** Deliveries whose `origin` differs from the sender's replica in its join acknowledgement. */
  originMismatches: number;
  /**
   * Receipts of messages sent while the receiver's join or leave was in flight, or shortly
   * before its join request while still in flight through the backplane. The server may
   * count the receiver a member for those, so they are neither expected nor unexpected.
   */
  duringMembershipChange: number;
  /** Receipts after the end of the drain window, not counted anywhere else. */
  late: number;
}

export type Receipt =
  | { kind: 'delivered'; latency: bigint; sentAt: bigint; cross: boolean; reordered: boolean }
  | { kind: 'duplicate' | 'unexpected' | 'membership-change' | 'late' };

type MembershipState = 'joining' | 'member' | 'leaving' | 'left' | 'disconnected' | 'failed';

/** Next sequence number of each sender of a room, copied at a membership transition. */
type SequenceSnapshot = ReadonlyMap<MemberId, number>;

interface Room {
  name: string;
  nextSequence: Map<MemberId, number>;
  members: Set<Membership>;
}

/** A receiver's progress through one sender's numbers. */
interface SenderProgress {
  highest: number;
  /** Numbers below `highest` still expected by this receiver. */
  holes: Set<number>;
}

/** One join of one member: from the join request to the leave or the disconnect. */
interface Membership {
  member: MemberId;
  room: Room;
  state: MembershipState;
  replica: string;
  /** When the join was requested, ns. */
  requestedAt: bigint;
  /** Next sequence numbers when the join was acknowledged: owed messages start here. */
  started: SequenceSnapshot | null;
  /** Next sequence numbers when the member started leaving or dropped: owed ones end here. */
  ended: SequenceSnapshot | null;
  /** When the leave finished, the join failed or the connection dropped, ns. */
  closedAt: bigint | null;
  disconnected: boolean;
  progress: Map<MemberId, SenderProgress>;
  /** Receipts outside the expected range, kept to tell their duplicates apart. */
  extraSeen: Set<string>;
  /** Expected deliveries to this membership not yet received. */
  pending: number;
}

interface SentMessage {
  sender: Membership;
  replica: string;
  sentAt: bigint;
  pending: Set<Membership>;
}

export class AccountingError extends Error {
  override name = 'AccountingError';
}

export class DeliveryAccounting {
  private readonly window: StepWindow;
  private readonly inFlightGrace: bigint;
  private readonly bySendTime: SendTimeCounts | undefined;
  private readonly rooms = new Map<string, Room>();
  private readonly current = new Map<MemberId, Membership>();
  private readonly messages = new Map<MemberId, Map<number, SentMessage>>();
  private readonly counts: Omit<DeliveryCounts, 'pending'> = {
    sent: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    unexpected: 0,
    lostToDisconnects: 0,
    rejected: 0,
    originMismatches: 0,
    duringMembershipChange: 0,
    late: 0,
  };
  private finishedFlag = false;

  /**
   * `inFlightGrace` (ns) is how long before a join request a message may have been sent and
   * still reach the new member, because it was in flight through the backplane when the
   * receiving replica added the member to the room. `bySendTime`, when given, also counts
   * deliveries by the send time of their message.
   */
  constructor(window: StepWindow, inFlightGrace: bigint, bySendTime?: SendTimeCounts) {
    if (window.measureEnd <= window.measureStart || window.drainEnd < window.measureEnd) {
      throw new AccountingError(
        `invalid step window: measure ${window.measureStart}-${window.measureEnd} ns, ` +
          `drain end ${window.drainEnd} ns; expected start < end <= drain end`,
      );
    }
    this.window = window;
    this.inFlightGrace = inFlightGrace;
    this.bySendTime = bySendTime;
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** Members whose join is acknowledged and who have not started leaving or dropped. */
  get memberCount(): number {
    let count = 0;
    for (const membership of this.current.values()) {
      if (membership.state === 'member') {
        count += 1;
      }
    }
    return count;
  }

  /** Messages still owed to someone; each is forgotten once every receiver got it. */
  get trackedMessages(): number {
    let count = 0;
    for (const bySequence of this.messages.values()) {
      count += bySequence.size;
    }
    return count;
  }

  snapshot(): DeliveryCounts {
    const { expected, delivered, lost } = this.counts;
    return { ...this.counts, pending: expected - delivered - lost };
  }

  /** Records that `member` asked to join `roomName`; a member is in one room at a time. */
  joinRequested(member: MemberId, roomName: string, now: bigint): void {
    const previous = this.current.get(member);
    if (previous !== undefined && previous.room.name !== roomName) {
      throw new AccountingError(
        `member ${member} asked to join ${roomName} but belongs to ${previous.room.name}`,
      );
    }
    if (previous !== undefined && isActive(previous)) {
      throw new AccountingError(`member ${member} asked to join again while ${previous.state}`);
    }

    const room = this.room(roomName);
    this.current.set(member, {
      member,
      room,
      state: 'joining',
      replica: '',
      requestedAt: now,
      started: null,
      ended: null,
      closedAt: null,
      disconnected: false,
      progress: new Map(),
      extraSeen: new Set(),
      pending: 0,
    });
  }

  /** Starts the membership: messages sent from now on are owed to this member. */
  joined(member: MemberId, replica: string): void {
    const membership = this.expectState(member, 'joining', 'joined');
    membership.state = 'member';
    membership.replica = replica;
    membership.started = new Map(membership.room.nextSequence);
    membership.room.members.add(membership);
  }

  /** Records a join that was rejected or timed out; does nothing after a dropped connection. */
  joinFailed(member: MemberId, now: bigint): void {
    const membership = this.current.get(member);
    if (membership?.state !== 'joining') {
      return;
    }
    membership.state = 'failed';
    membership.ended = new Map(membership.room.nextSequence);
    membership.closedAt = now;
  }

  /** Stops owing new messages to the member; it keeps receiving those already owed. */
  leaving(member: MemberId): void {
    const membership = this.expectState(member, 'member', 'leaving');
    membership.state = 'leaving';
    membership.ended = new Map(membership.room.nextSequence);
    membership.room.members.delete(membership);
  }

  /** Records the end of a leave, acknowledged or given up. Later receipts are unexpected. */
  left(member: MemberId, now: bigint): void {
    const membership = this.expectState(member, 'leaving', 'left');
    membership.state = 'left';
    membership.closedAt = now;
  }

  /**
   * Records a dropped connection. Deliveries still owed to the member count as lost to a
   * disconnect at the end of the step. A reconnect starts a new membership with a new join.
   */
  disconnected(member: MemberId, now: bigint): void {
    const membership = this.current.get(member);
    if (membership === undefined || !isActive(membership)) {
      return;
    }

    membership.ended ??= new Map(membership.room.nextSequence);
    membership.closedAt = now;
    membership.state = 'disconnected';
    membership.disconnected = true;
    membership.room.members.delete(membership);
  }

  /** Expected deliveries to the member's current membership that have not arrived yet. */
  pendingFor(member: MemberId): number {
    return this.current.get(member)?.pending ?? 0;
  }

  /** Replica of the member's current membership, or undefined before its join ack. */
  replicaOf(member: MemberId): string | undefined {
    const membership = this.current.get(member);
    return membership?.started === null ? undefined : membership?.replica;
  }

  /**
   * Numbers and records a message `member` is about to send at `now`. Returns its sequence
   * number, or null when it must not be sent: outside the measure window or not a member.
   */
  send(member: MemberId, now: bigint): number | null {
    const membership = this.current.get(member);
    if (this.finishedFlag || now < this.window.measureStart || now >= this.window.measureEnd) {
      return null;
    }
    if (membership === undefined || membership.state !== 'member') {
      return null;
    }

    const room = membership.room;
    const sequence = room.nextSequence.get(member) ?? 0;
    room.nextSequence.set(member, sequence + 1);

    const pending = new Set(room.members);
    pending.delete(membership);
    for (const receiver of pending) {
      receiver.pending += 1;
    }
    this.counts.sent += 1;
    this.counts.expected += pending.size;
    this.bySendTime?.add('expected', now, pending.size);
    this.bySendTime?.add('crossExpected', now, crossCount(pending, membership.replica));

    if (pending.size > 0) {
      this.sentBy(member).set(sequence, {
        sender: membership,
        replica: membership.replica,
        sentAt: now,
        pending,
      });
    }
    return sequence;
  }

  /** Removes a message the server rejected from the deliveries owed. */
  rejected(member: MemberId, sequence: number): void {
    this.counts.rejected += 1;
    if (this.finishedFlag) {
      return;
    }

    const message = this.messages.get(member)?.get(sequence);
    if (message === undefined) {
      return;
    }
    for (const receiver of message.pending) {
      receiver.pending -= 1;
    }
    this.counts.expected -= message.pending.size;
    this.bySendTime?.add('expected', message.sentAt, -message.pending.size);
    const cross = crossCount(message.pending, message.replica);
    this.bySendTime?.add('crossExpected', message.sentAt, -cross);
    this.messages.get(member)?.delete(sequence);
  }

  /** Classifies one receipt at `now`. */
  receive(received: ReceivedMessage, now: bigint): Receipt {
    if (now >= this.window.drainEnd) {
      this.finish();
    }
    if (this.finishedFlag) {
      this.counts.late += 1;
      return { kind: 'late' };
    }

    const { receiver, sender, sequence } = received;
    const membership = this.current.get(receiver);
    const senderMembership = this.current.get(sender);
    if (
      membership === undefined ||
      sender === receiver ||
      senderMembership?.room !== membership.room
    ) {
      return this.extraReceipt(membership, received, false);
    }

    const range = expectedRange(membership, sender);
    if (sequence < range.first || sequence > range.last) {
      const changing = this.inMembershipChange(membership, received.sentAt);
      return this.extraReceipt(membership, received, changing);
    }
    return this.receiveInRange(membership, received, range.first, now);
  }

  /** Counts a receipt that does not carry a sender and number this generator wrote. */
  unidentified(): Receipt {
    if (this.finishedFlag) {
      this.counts.late += 1;
      return { kind: 'late' };
    }
    this.counts.unexpected += 1;
    return { kind: 'unexpected' };
  }

  /** Ends the step: every delivery still owed is lost. Later receipts count as late. */
  finish(): void {
    if (this.finishedFlag) {
      return;
    }
    this.finishedFlag = true;

    for (const bySequence of this.messages.values()) {
      for (const message of bySequence.values()) {
        for (const receiver of message.pending) {
          receiver.pending -= 1;
          this.counts.lost += 1;
          this.bySendTime?.add('lost', message.sentAt);
          if (receiver.replica !== message.replica) {
            this.bySendTime?.add('crossLost', message.sentAt);
          }
          if (receiver.disconnected || message.sender.disconnected) {
            this.counts.lostToDisconnects += 1;
            this.bySendTime?.add('lostToDisconnects', message.sentAt);
          }
        }
      }
    }
    this.messages.clear();
  }

  private receiveInRange(
    membership: Membership,
    received: ReceivedMessage,
    first: number,
    now: bigint,
  ): Receipt {
    const { sender, sequence, origin } = received;
    const bySequence = this.sentBy(sender);
    let progress = membership.progress.get(sender);
    if (progress === undefined) {
      progress = { highest: first - 1, holes: new Set() };
      membership.progress.set(sender, progress);
    }

    let reordered = false;
    if (sequence > progress.highest) {
      for (let skipped = progress.highest + 1; skipped < sequence; skipped += 1) {
        if (bySequence.get(skipped)?.pending.has(membership) === true) {
          progress.holes.add(skipped);
        }
      }
      progress.highest = sequence;
    } else if (progress.holes.delete(sequence)) {
      reordered = true;
    } else {
      this.counts.duplicated += 1;
      this.bySendTime?.add('duplicated', received.sentAt);
      return { kind: 'duplicate' };
    }

    const message = bySequence.get(sequence);
    if (message === undefined || !message.pending.delete(membership)) {
      // In range but never owed: a rejected message delivered anyway, or a number never sent.
      this.counts.unexpected += 1;
      return { kind: 'unexpected' };
    }

    membership.pending -= 1;
    this.counts.delivered += 1;
    this.bySendTime?.add('delivered', message.sentAt);
    if (reordered) {
      this.counts.reordered += 1;
    }
    if (origin !== message.replica) {
      this.counts.originMismatches += 1;
    }
    if (message.pending.size === 0) {
      bySequence.delete(sequence);
    }
    return {
      kind: 'delivered',
      latency: now - message.sentAt,
      sentAt: message.sentAt,
      cross: message.replica !== membership.replica,
      reordered,
    };
  }

  private extraReceipt(
    membership: Membership | undefined,
    received: ReceivedMessage,
    duringChange: boolean,
  ): Receipt {
    const key = `${received.sender}:${received.sequence}`;
    if (membership?.extraSeen.has(key) === true) {
      this.counts.duplicated += 1;
      this.bySendTime?.add('duplicated', received.sentAt);
      return { kind: 'duplicate' };
    }
    membership?.extraSeen.add(key);

    if (duringChange) {
      this.counts.duringMembershipChange += 1;
      return { kind: 'membership-change' };
    }
    this.counts.unexpected += 1;
    return { kind: 'unexpected' };
  }

  /**
   * True when a message outside the owed range was sent while this membership's join or
   * leave was in flight, or within the in-flight grace before its join request.
   */
  private inMembershipChange(membership: Membership, sentAt: bigint | undefined): boolean {
    if (sentAt === undefined || sentAt < membership.requestedAt - this.inFlightGrace) {
      return false;
    }
    return membership.closedAt === null || sentAt < membership.closedAt;
  }

  private room(name: string): Room {
    let room = this.rooms.get(name);
    if (room === undefined) {
      room = { name, nextSequence: new Map(), members: new Set() };
      this.rooms.set(name, room);
    }
    return room;
  }

  private sentBy(member: MemberId): Map<number, SentMessage> {
    let bySequence = this.messages.get(member);
    if (bySequence === undefined) {
      bySequence = new Map();
      this.messages.set(member, bySequence);
    }
    return bySequence;
  }

  private expectState(member: MemberId, state: MembershipState, action: string): Membership {
    const membership = this.current.get(member);
    if (membership?.state !== state) {
      const actual = membership?.state ?? 'unknown';
      throw new AccountingError(`${action} for member ${member} expects ${state}, not ${actual}`);
    }
    return membership;
  }
}

/** Members of `receivers` on another replica than `replica`. */
function crossCount(receivers: Iterable<Membership>, replica: string): number {
  let count = 0;
  for (const receiver of receivers) {
    if (receiver.replica !== replica) {
      count += 1;
    }
  }
  return count;
}

function isActive(membership: Membership): boolean {
  return (
    membership.state === 'joining' ||
    membership.state === 'member' ||
    membership.state === 'leaving'
  );
}

/** Sequence numbers of `sender` owed to this membership: sent between join ack and leave. */
function expectedRange(membership: Membership, sender: MemberId): { first: number; last: number } {
  if (membership.started === null) {
    return { first: 0, last: -1 };
  }
  const first = membership.started.get(sender) ?? 0;
  const last =
    membership.ended === null ? Number.POSITIVE_INFINITY : (membership.ended.get(sender) ?? 0) - 1;
  return { first, last };
}
