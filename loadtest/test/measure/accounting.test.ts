import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DeliveryAccounting,
  type MemberId,
  type ReceivedMessage,
} from '../../src/measure/accounting.ts';

const MS = 1_000_000n;
const WINDOW = { measureStart: 1_000n * MS, measureEnd: 2_000n * MS, drainEnd: 3_000n * MS };
const ROOM = 'gen.1.1.0';
/** How long before a join request a message may still reach the new member. */
const GRACE = 100n * MS;

/** Times inside the measure window, in milliseconds from its start. */
function at(milliseconds: number): bigint {
  return WINDOW.measureStart + BigInt(milliseconds) * MS;
}

function receipt(
  receiver: MemberId,
  sender: MemberId,
  sequence: number,
  origin: string,
  sentAt?: bigint,
): ReceivedMessage {
  return { receiver, sender, sequence, origin, sentAt };
}

/** Creates an accounting with members joined to ROOM, keyed by id, on the given replicas. */
function roomWith(replicas: Record<MemberId, string>): DeliveryAccounting {
  const accounting = new DeliveryAccounting(WINDOW, GRACE);
  for (const [member, replica] of Object.entries(replicas)) {
    accounting.joinRequested(Number(member), ROOM, at(-10));
    accounting.joined(Number(member), replica);
  }
  return accounting;
}

describe('DeliveryAccounting', () => {
  test('in-order deliveries are all delivered', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a', 3: 'b' });

    const first = accounting.send(1, at(0));
    const second = accounting.send(1, at(10));
    expect(first).toBe(0);
    expect(second).toBe(1);

    const sameReplica = accounting.receive(receipt(2, 1, 0, 'a'), at(3));
    const crossReplica = accounting.receive(receipt(3, 1, 0, 'a'), at(5));
    accounting.receive(receipt(2, 1, 1, 'a'), at(12));
    accounting.receive(receipt(3, 1, 1, 'a'), at(14));
    accounting.finish();

    expect(sameReplica).toEqual({
      kind: 'delivered',
      latency: 3n * MS,
      sentAt: at(0),
      cross: false,
      reordered: false,
    });
    expect(crossReplica).toMatchObject({ kind: 'delivered', latency: 5n * MS, cross: true });
    const counts = accounting.snapshot();
    expect(counts.sent).toBe(2);
    expect(counts.expected).toBe(4);
    expect(counts.delivered).toBe(4);
    expect(counts.lost).toBe(0);
    expect(counts.pending).toBe(0);
    expect(accounting.trackedMessages).toBe(0);
  });

  test('gap is pending until finish, then lost', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));
    accounting.send(1, at(10));
    accounting.send(1, at(20));

    accounting.receive(receipt(2, 1, 0, 'a'), at(1));
    accounting.receive(receipt(2, 1, 2, 'a'), at(21));
    expect(accounting.snapshot().pending).toBe(1);
    expect(accounting.trackedMessages).toBe(1);

    accounting.finish();
    const counts = accounting.snapshot();
    expect(counts.expected).toBe(3);
    expect(counts.delivered).toBe(2);
    expect(counts.lost).toBe(1);
    expect(counts.pending).toBe(0);
    expect(counts.lostToDisconnects).toBe(0);
  });

  test('second receipt is a duplicate, even after the record is gone', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a', 3: 'a' });
    accounting.send(1, at(0));

    accounting.receive(receipt(2, 1, 0, 'a'), at(1));
    const whileTracked = accounting.receive(receipt(2, 1, 0, 'a'), at(2));
    accounting.receive(receipt(3, 1, 0, 'a'), at(3));
    expect(accounting.trackedMessages).toBe(0);
    const afterForgotten = accounting.receive(receipt(3, 1, 0, 'a'), at(4));

    expect(whileTracked.kind).toBe('duplicate');
    expect(afterForgotten.kind).toBe('duplicate');
    const counts = accounting.snapshot();
    expect(counts.duplicated).toBe(2);
    expect(counts.delivered).toBe(2);
    expect(counts.unexpected).toBe(0);
  });

  test('lower number after a higher one is reordered', () => {
    const accounting = roomWith({ 1: 'a', 2: 'b' });
    accounting.send(1, at(0));
    accounting.send(1, at(1));
    accounting.send(1, at(2));

    accounting.receive(receipt(2, 1, 2, 'a'), at(5));
    const late = accounting.receive(receipt(2, 1, 0, 'a'), at(6));
    const later = accounting.receive(receipt(2, 1, 1, 'a'), at(7));
    const again = accounting.receive(receipt(2, 1, 1, 'a'), at(8));

    expect(late).toMatchObject({ kind: 'delivered', reordered: true });
    expect(later).toMatchObject({ kind: 'delivered', reordered: true });
    expect(again.kind).toBe('duplicate');
    const counts = accounting.snapshot();
    expect(counts.reordered).toBe(2);
    expect(counts.delivered).toBe(3);
    expect(counts.duplicated).toBe(1);
  });

  test('member joining mid-step is owed only later messages', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));
    accounting.send(1, at(150));
    accounting.joinRequested(3, ROOM, at(200));
    accounting.send(1, at(210));
    accounting.joined(3, 'b');
    accounting.send(1, at(220));

    const stale = accounting.receive(receipt(3, 1, 0, 'a', at(0)), at(221));
    const inFlight = accounting.receive(receipt(3, 1, 1, 'a', at(150)), at(222));
    const whileJoining = accounting.receive(receipt(3, 1, 2, 'a', at(210)), at(223));
    const afterJoin = accounting.receive(receipt(3, 1, 3, 'a', at(220)), at(224));
    for (const sequence of [0, 1, 2, 3]) {
      accounting.receive(receipt(2, 1, sequence, 'a'), at(230));
    }
    accounting.finish();

    expect(stale.kind).toBe('unexpected');
    expect(inFlight.kind).toBe('membership-change');
    expect(whileJoining.kind).toBe('membership-change');
    expect(afterJoin).toMatchObject({ kind: 'delivered', cross: true, reordered: false });
    const counts = accounting.snapshot();
    expect(counts.expected).toBe(5);
    expect(counts.delivered).toBe(5);
    expect(counts.lost).toBe(0);
    expect(counts.unexpected).toBe(1);
    expect(counts.duringMembershipChange).toBe(2);
  });

  test('receipt without a send time outside the owed range is unexpected', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));
    accounting.joinRequested(3, ROOM, at(10));

    const receiptWithoutTime = accounting.receive(receipt(3, 1, 0, 'a'), at(11));

    expect(receiptWithoutTime.kind).toBe('unexpected');
  });

  test('leaving member still receives what it was owed', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));
    accounting.leaving(2);
    accounting.send(1, at(10));
    expect(accounting.pendingFor(2)).toBe(1);

    const owed = accounting.receive(receipt(2, 1, 0, 'a', at(0)), at(11));
    const whileLeaving = accounting.receive(receipt(2, 1, 1, 'a', at(10)), at(12));
    accounting.left(2, at(15));
    accounting.send(1, at(20));
    const afterLeft = accounting.receive(receipt(2, 1, 2, 'a', at(20)), at(21));
    accounting.finish();

    expect(owed.kind).toBe('delivered');
    expect(accounting.pendingFor(2)).toBe(0);
    expect(whileLeaving.kind).toBe('membership-change');
    expect(afterLeft.kind).toBe('unexpected');
    const counts = accounting.snapshot();
    expect(counts.sent).toBe(3);
    expect(counts.expected).toBe(1);
    expect(counts.delivered).toBe(1);
    expect(counts.lost).toBe(0);
  });

  test('receipts after the drain end are late and not counted', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));

    const late = accounting.receive(receipt(2, 1, 0, 'a'), WINDOW.drainEnd);

    expect(late.kind).toBe('late');
    expect(accounting.finished).toBe(true);
    const counts = accounting.snapshot();
    expect(counts.delivered).toBe(0);
    expect(counts.lost).toBe(1);
    expect(counts.late).toBe(1);
  });

  test('sends outside the measure window are not numbered', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });

    expect(accounting.send(1, WINDOW.measureStart - 1n)).toBeNull();
    expect(accounting.send(1, WINDOW.measureEnd)).toBeNull();
    expect(accounting.send(1, WINDOW.measureStart)).toBe(0);
    expect(accounting.snapshot().sent).toBe(1);
  });

  test('non-member cannot send', () => {
    const accounting = roomWith({ 1: 'a' });
    accounting.joinRequested(2, ROOM, at(0));

    expect(accounting.send(2, at(0))).toBeNull();
    expect(accounting.send(3, at(0))).toBeNull();
  });

  test('disconnected receiver counts its losses apart', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a', 3: 'b' });
    accounting.send(1, at(0));
    accounting.receive(receipt(3, 1, 0, 'a'), at(1));
    accounting.disconnected(2, at(5));
    accounting.send(1, at(10));
    accounting.receive(receipt(3, 1, 1, 'a'), at(11));

    accounting.joinRequested(2, ROOM, at(15));
    accounting.joined(2, 'b');
    accounting.send(1, at(20));
    const afterRejoin = accounting.receive(receipt(2, 1, 2, 'a'), at(21));
    accounting.receive(receipt(3, 1, 2, 'a'), at(22));
    accounting.finish();

    expect(afterRejoin).toMatchObject({ kind: 'delivered', cross: true });
    const counts = accounting.snapshot();
    expect(counts.expected).toBe(5);
    expect(counts.delivered).toBe(4);
    expect(counts.lost).toBe(1);
    expect(counts.lostToDisconnects).toBe(1);
  });

  test('message of a disconnected sender counts as lost to a disconnect', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.send(1, at(0));
    accounting.disconnected(1, at(1));
    accounting.finish();

    const counts = accounting.snapshot();
    expect(counts.lost).toBe(1);
    expect(counts.lostToDisconnects).toBe(1);
  });

  test('rejected message is no longer expected', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a', 3: 'a' });
    const sequence = accounting.send(1, at(0));
    accounting.rejected(1, sequence ?? -1);
    accounting.finish();

    const counts = accounting.snapshot();
    expect(counts.sent).toBe(1);
    expect(counts.rejected).toBe(1);
    expect(counts.expected).toBe(0);
    expect(counts.lost).toBe(0);
    expect(accounting.pendingFor(2)).toBe(0);
  });

  test('origin other than the sender replica is counted', () => {
    const accounting = roomWith({ 1: 'a', 2: 'b' });
    accounting.send(1, at(0));

    const mismatched = accounting.receive(receipt(2, 1, 0, 'c'), at(1));

    expect(mismatched).toMatchObject({ kind: 'delivered', cross: true });
    expect(accounting.snapshot().originMismatches).toBe(1);
  });

  test('receipt from another room is unexpected', () => {
    const accounting = roomWith({ 1: 'a', 2: 'a' });
    accounting.joinRequested(9, 'gen.1.1.1', at(-5));
    accounting.joined(9, 'a');
    accounting.send(9, at(0));

    const otherRoom = accounting.receive(receipt(2, 9, 0, 'a', at(0)), at(1));
    const own = accounting.receive(receipt(9, 9, 0, 'a', at(0)), at(2));

    expect(otherRoom.kind).toBe('unexpected');
    expect(own.kind).toBe('unexpected');
  });

  test('expected equals delivered plus lost for any sequence', () => {
    const event = fc.oneof(
      fc.record({ type: fc.constant('send' as const), member: fc.nat(4) }),
      fc.record({
        type: fc.constant('receive' as const),
        member: fc.nat(4),
        sender: fc.nat(4),
        sequence: fc.nat(12),
      }),
      fc.record({ type: fc.constant('leave' as const), member: fc.nat(4) }),
      fc.record({ type: fc.constant('drop' as const), member: fc.nat(4) }),
      fc.record({ type: fc.constant('join' as const), member: fc.nat(4) }),
    );

    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        const accounting = roomWith({ 0: 'a', 1: 'a', 2: 'b' });
        let time = 0;
        for (const step of events) {
          time += 1;
          applyEvent(accounting, step, at(time));
          const counts = accounting.snapshot();
          expect(counts.expected).toBe(counts.delivered + counts.lost + counts.pending);
          expect(counts.pending).toBeGreaterThanOrEqual(0);
        }
        accounting.finish();
        const counts = accounting.snapshot();
        expect(counts.expected).toBe(counts.delivered + counts.lost);
        expect(counts.pending).toBe(0);
        expect(accounting.trackedMessages).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

type Event =
  | { type: 'send' | 'leave' | 'drop' | 'join'; member: number }
  | { type: 'receive'; member: number; sender: number; sequence: number };

/** Applies a random event, skipping those the member's state does not allow. */
function applyEvent(accounting: DeliveryAccounting, event: Event, now: bigint): void {
  switch (event.type) {
    case 'send':
      accounting.send(event.member, now);
      return;
    case 'receive':
      accounting.receive(receipt(event.member, event.sender, event.sequence, 'a'), now);
      return;
    case 'leave':
      tryAction(() => accounting.leaving(event.member));
      tryAction(() => accounting.left(event.member, now));
      return;
    case 'drop':
      accounting.disconnected(event.member, now);
      return;
    case 'join':
      tryAction(() => accounting.joinRequested(event.member, ROOM, now));
      tryAction(() => accounting.joined(event.member, event.member % 2 === 0 ? 'a' : 'b'));
      return;
  }
}

/** Runs a state change that random sequences may request in the wrong state. */
function tryAction(action: () => void): void {
  try {
    action();
  } catch (error) {
    if ((error as Error).name !== 'AccountingError') {
      throw error;
    }
  }
}
