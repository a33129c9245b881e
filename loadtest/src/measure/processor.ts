/**
 * The Artillery processor of the chat scenarios. A scenario's flow is:
 *
 *   - function: prepareUser   (plan the user; churning users wait for their arrival time)
 *   - connect: {}             (the socketio-v3 engine opens the socket)
 *   - function: joinRoom      (join with acknowledgement and timeout)
 *   - function: chat          (send on schedule, receive until the drain ends, leave)
 *
 * artillery-engine-socketio-v3 1.2.0 runs `function` steps through the HTTP engine of its
 * own Artillery 1.7 copy, which only calls callback-style functions and counts an error
 * passed to the callback under the error's `code`. So every step is exported in that style.
 *
 * Artillery loads this module in its main thread too, for hooks; nothing starts until the
 * first user does, so importing it has no effect.
 */
import { StepEnvError } from './step-env.ts';
import { ThreadStep } from './thread-step.ts';
import { ScenarioShapeError } from './user-plan.ts';
import { type ChatSocket, UserFailure, VirtualUser } from './virtual-user.ts';

/** The fields of an Artillery virtual user's context this processor uses. */
export interface ArtilleryContext {
  vars: Record<string, unknown>;
  sockets: Record<string, ChatSocket>;
}

type StepCallback = (error?: Error) => void;
type Step = (context: ArtilleryContext, events: unknown, next: StepCallback) => void;

const users = new WeakMap<ArtilleryContext, VirtualUser>();
let settingsErrorShown = false;

export const prepareUser: Step = callbackStep(async (context) => {
  const user = new VirtualUser(currentStep(), planFor(context));
  users.set(context, user);

  await user.arrive();
  user.connecting(context.sockets);
});

export const joinRoom: Step = callbackStep(async (context) => {
  await userOf(context).join(context.sockets['']);
});

export const chat: Step = callbackStep(async (context) => {
  await userOf(context).chat();
});

function callbackStep(run: (context: ArtilleryContext) => Promise<void>): Step {
  return (context, _events, next) => {
    run(context).then(
      () => next(),
      (error: Error) => next(error),
    );
  };
}

function currentStep(): ThreadStep {
  try {
    return ThreadStep.current();
  } catch (error) {
    throw configurationFailure('chat.invalid_step_settings', error);
  }
}

function planFor(context: ArtilleryContext): ReturnType<ThreadStep['planUser']> {
  try {
    return currentStep().planUser(context.vars);
  } catch (error) {
    throw configurationFailure('chat.invalid_scenario_shape', error);
  }
}

function userOf(context: ArtilleryContext): VirtualUser {
  const user = users.get(context);
  if (user === undefined) {
    throw new UserFailure(
      'chat.flow_order',
      'this step needs "function: prepareUser" earlier in the scenario flow',
    );
  }
  return user;
}

/** Prints a configuration error once per thread, not once per user, and wraps it. */
function configurationFailure(code: string, error: unknown): Error {
  const known = error instanceof StepEnvError || error instanceof ScenarioShapeError;
  if (!known) {
    return error as Error;
  }
  if (!settingsErrorShown) {
    settingsErrorShown = true;
    console.error(error.message);
  }
  return new UserFailure(code, error.message);
}
