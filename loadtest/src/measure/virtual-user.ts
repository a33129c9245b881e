/**
 * One Artillery virtual user: joins its room, sends on its open-loop schedule, accounts for
 * every receipt, and leaves. Every wait on the server has a timeout, so a server that never
 * acknowledges fails the user instead of stalling the run.
 */
import type { Socket } from 'socket.io-client';
import type {
  Ack,
  ChatDelivery,
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../../server/src/protocol.ts';
import type { MemberId } from './accounting.ts';
import { SendSchedule } from './schedule.ts';
import type { ThreadStep } from './thread-step.ts';
import type { ScenarioShape, UserPlan } from './user-plan.ts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Fields the load generator adds to each chat message. `member` is the sender's user id
 * within its thread, `seq` its message number from 0, and `sentAtUs` the send time on the
 * thread's monotonic clock in microseconds (sender and receivers share that clock).
 */
export interface MeasuredMessage extends ChatMessage {
  member: MemberId;
  seq: number;
  sentAtUs: number;
}

/**
 * Raised when a user fails. Artillery counts the error under its `code` when the processor
 * passes it to the step's callback.
 */
export class UserFailure extends Error {
  override name = 'UserFailure';
  readonly code: string;

  constructor(code: string, message = code) {
    super(message);
    this.code = code;
  }
}

type Phase = 'arriving' | 'connecting' | 'joining' | 'chatting' | 'leaving' | 'finished';

/** How often a leaving user checks whether the messages owed to it have arrived, ms. */
const LEAVE_POLL_MS = 20;

export class VirtualUser {
  readonly member: MemberId;
  readonly plan: UserPlan & { shape: ScenarioShape };
  private readonly step: ThreadStep;
  private socket: ChatSocket | null = null;
  private phase: Phase = 'arriving';
  private connectStartedAt = 0n;
  private isMember = false;
  private dropped = false;
  private sendTimer: NodeJS.Timeout | undefined;

  constructor(step: ThreadStep, plan: UserPlan & { shape: ScenarioShape }) {
    this.step = step;
    this.plan = plan;
    this.member = plan.index;
    step.userStarted();
  }

  /** Waits until a churning user's arrival time; other users arrive at once. */
  async arrive(): Promise<void> {
    const { settings } = this.step;
    if (this.plan.churner) {
      const latestStart = settings.measureEndMs - this.plan.shape.sessionSeconds * 1000;
      const span = Math.max(0, latestStart - settings.measureStartMs);
      await sleepUntil(settings.measureStartMs + this.plan.arrivalPhase * span);
    }
    if (Date.now() >= settings.drainEndMs) {
      throw this.fail('chat.arrived_after_drain');
    }
  }

  /** Stamps the connection start and counts the engine's connection failure, if any. */
  connecting(sockets: Record<string, ChatSocket>): void {
    this.phase = 'connecting';
    this.connectStartedAt = process.hrtime.bigint();
    watchEngineSocket(sockets, (socket) => {
      socket.once('connect_error', () => {
        if (this.phase === 'connecting') {
          this.step.recorder.connection.connectErrors += 1;
          this.finish();
        }
      });
    });
  }

  /** Joins the room on the engine's connected socket; the user fails if the join does. */
  async join(socket: ChatSocket | undefined): Promise<void> {
    if (socket === undefined || !socket.connected) {
      this.step.recorder.connection.connectErrors += 1;
      throw this.fail('chat.not_connected');
    }
    this.socket = socket;
    this.phase = 'joining';
    this.listen(socket);

    const failure = await this.requestJoin(socket);
    if (failure !== null) {
      throw this.fail(failure);
    }
    const connectTime = process.hrtime.bigint() - this.connectStartedAt;
    this.step.recorder.recordConnect(connectTime);
    this.phase = 'chatting';
  }

  /** Sends on schedule until the session or the measure window ends, then leaves. */
  async chat(): Promise<void> {
    const { settings, window } = this.step;
    const now = process.hrtime.bigint();
    const sessionEnd = this.plan.churner
      ? minimum(now + BigInt(Math.round(this.plan.shape.sessionSeconds * 1e9)), window.measureEnd)
      : window.measureEnd;

    if (this.plan.sender && settings.rate > 0) {
      const interval = SendSchedule.intervalFor(settings.rate);
      const first =
        window.measureStart + BigInt(Math.round(this.plan.sendPhase * Number(interval)));
      const schedule = new SendSchedule(first, interval, sessionEnd);
      schedule.skipBefore(now);
      await this.sendOnSchedule(schedule);
    }

    if (this.plan.churner) {
      await sleepFor(Number(sessionEnd - process.hrtime.bigint()) / 1e6);
    } else {
      await sleepUntil(settings.drainEndMs);
      this.step.finishIfDue();
    }
    await this.leave();
  }

  /** Ends the user and returns the error to throw, with Artillery's error code. */
  fail(code: string): UserFailure {
    this.finish();
    return new UserFailure(code);
  }

  private async leave(): Promise<void> {
    const { accounting, recorder, settings } = this.step;
    this.phase = 'leaving';
    const wasMember = this.isMember;
    if (wasMember) {
      accounting.leaving(this.member);
      this.changeMembership(false);
      if (!accounting.finished) {
        await waitUntil(() => accounting.pendingFor(this.member) === 0, settings.ackTimeoutMs);
      }
    }

    const socket = this.socket;
    let failure: string | null = null;
    if (socket?.connected === true) {
      failure = await this.request(socket, 'leave');
    }
    if (wasMember && !this.dropped) {
      accounting.left(this.member, process.hrtime.bigint());
    }
    if (failure !== null) {
      recorder.connection.leaveErrors += 1;
      throw this.fail(failure);
    }
    this.finish();
  }

  private finish(): void {
    if (this.phase === 'finished') {
      return;
    }
    this.phase = 'finished';
    clearTimeout(this.sendTimer);
    this.step.userFinished();
  }

  /** Emits a join and updates the accounting; returns an error code, or null on success. */
  private async requestJoin(socket: ChatSocket): Promise<string | null> {
    const { accounting, recorder } = this.step;
    accounting.joinRequested(this.member, this.plan.room, process.hrtime.bigint());
    const response = await this.requestWithAck(socket, 'join');

    if (response.ok && (this.phase === 'leaving' || this.phase === 'finished')) {
      // A rejoin acknowledged after the user started leaving never becomes a membership.
      accounting.joinFailed(this.member, process.hrtime.bigint());
      return null;
    }
    if (response.ok) {
      accounting.joined(this.member, response.replica);
      this.changeMembership(true);
      recorder.recordRejoin(this.member, process.hrtime.bigint());
      return null;
    }
    accounting.joinFailed(this.member, process.hrtime.bigint());
    recorder.connection.joinErrors += 1;
    return response.code;
  }

  /** Emits a leave; returns an error code, or null on success. */
  private async request(socket: ChatSocket, event: 'leave'): Promise<string | null> {
    const response = await this.requestWithAck(socket, event);
    return response.ok ? null : response.code;
  }

  private async requestWithAck(
    socket: ChatSocket,
    event: 'join' | 'leave',
  ): Promise<{ ok: true; replica: string } | { ok: false; code: string }> {
    const timeout = this.step.settings.ackTimeoutMs;
    let ack: Ack<{ room: string; replica?: string }>;
    try {
      ack = await socket.timeout(timeout).emitWithAck(event, this.plan.room);
    } catch {
      return { ok: false, code: `chat.${event}_timeout` };
    }
    if (!ack.ok) {
      return { ok: false, code: `chat.${event}_rejected.${ack.error.code}` };
    }
    return { ok: true, replica: ack.replica ?? '' };
  }

  private listen(socket: ChatSocket): void {
    socket.on('chat', (delivery) => this.receive(delivery));
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect' || this.phase === 'finished') {
        return;
      }
      this.dropped = true;
      const now = process.hrtime.bigint();
      this.step.recorder.connection.disconnects += 1;
      this.step.recorder.recordDrop(this.member, now);
      this.step.accounting.disconnected(this.member, now);
      this.changeMembership(false);
      if (reason === 'io server disconnect' && this.phase === 'chatting') {
        // Socket.IO reconnects by itself after any drop except one the server asked for,
        // e.g. a replica shutting down; a chat client reconnects then too.
        socket.connect();
      }
    });
    socket.on('connect', () => {
      if (!this.dropped || this.phase !== 'chatting') {
        return;
      }
      this.dropped = false;
      this.step.recorder.connection.reconnects += 1;
      // A failed rejoin is counted in joinErrors; the user stays and skips its sends.
      this.requestJoin(socket).catch((error: unknown) => {
        this.step.recorder.connection.joinErrors += 1;
        console.error(`user ${this.member} could not rejoin ${this.plan.room}:`, error);
      });
    });
  }

  private receive(delivery: ChatDelivery): void {
    const now = process.hrtime.bigint();
    const { member, seq, sentAtUs } = delivery.message;
    const { accounting, recorder } = this.step;
    if (typeof member !== 'number' || typeof seq !== 'number') {
      accounting.unidentified();
      return;
    }

    const sentAt = Number.isSafeInteger(sentAtUs) ? BigInt(sentAtUs as number) * 1000n : undefined;
    const receipt = accounting.receive(
      { receiver: this.member, sender: member, sequence: seq, origin: delivery.origin, sentAt },
      now,
    );
    if (receipt.kind === 'delivered') {
      recorder.recordDelivery(receipt.latency, receipt.sentAt, receipt.cross);
    }
  }

  private sendOnSchedule(schedule: SendSchedule): Promise<void> {
    return new Promise((resolve) => {
      const tick = (): void => {
        if (this.phase !== 'chatting') {
          resolve();
          return;
        }
        for (let slot = schedule.takeDue(process.hrtime.bigint()); slot !== null; ) {
          this.send(slot);
          slot = schedule.takeDue(process.hrtime.bigint());
        }

        const next = schedule.next;
        if (next === null) {
          resolve();
          return;
        }
        const delayMs = Number(next - process.hrtime.bigint()) / 1e6;
        this.sendTimer = setTimeout(tick, Math.max(0, Math.floor(delayMs)));
      };
      tick();
    });
  }

  private send(slot: bigint): void {
    const { accounting, recorder, settings, padding } = this.step;
    const socket = this.socket;
    const now = process.hrtime.bigint();
    const seq = socket?.connected === true ? accounting.send(this.member, now) : null;
    if (socket === null || seq === null) {
      recorder.sends.skipped += 1;
      return;
    }
    recorder.recordScheduleLag(now - slot);

    const message: MeasuredMessage = {
      text: padding,
      member: this.member,
      seq,
      sentAtUs: Number(now / 1000n),
    };
    socket
      .timeout(settings.ackTimeoutMs)
      .emitWithAck('chat', this.plan.room, message)
      .then(
        (ack) => {
          if (!ack.ok) {
            accounting.rejected(this.member, seq);
            recorder.recordRejection(ack.error.code);
          }
        },
        () => {
          recorder.sends.ackTimeouts += 1;
        },
      );
  }

  private changeMembership(member: boolean): void {
    if (this.isMember === member) {
      return;
    }
    this.isMember = member;
    this.step.recorder.changeMembers(member ? 1 : -1, Date.now());
  }
}

/**
 * Calls `onSocket` when the Socket.IO engine stores the user's socket. The engine
 * (artillery-engine-socketio-v3 1.2.0) creates the socket inside its `connect` step and
 * offers no hook there, so the default namespace entry is replaced by an accessor.
 */
function watchEngineSocket(
  sockets: Record<string, ChatSocket>,
  onSocket: (socket: ChatSocket) => void,
): void {
  let stored: ChatSocket | undefined;
  Object.defineProperty(sockets, '', {
    configurable: true,
    enumerable: true,
    get: () => stored,
    set: (socket: ChatSocket) => {
      stored = socket;
      onSocket(socket);
    },
  });
}

function minimum(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function sleepFor(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, milliseconds)));
}

/** Sleeps until the epoch clock reaches `epochMs`, re-arming if a timer fires early. */
async function sleepUntil(epochMs: number): Promise<void> {
  while (Date.now() < epochMs) {
    await sleepFor(epochMs - Date.now());
  }
}

/** Polls `condition` until it is true or `timeoutMs` passes. */
async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await sleepFor(LEAVE_POLL_MS);
  }
}
