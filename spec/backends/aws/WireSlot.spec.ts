import { jest } from '@jest/globals';

import { Semaphore } from '../../../lib/internal/Semaphore.js';
import { WireSlot } from '../../../lib/backends/aws/WireSlot.js';
import type { CommandWithStack } from '../../../lib/backends/aws/CommandWithStack.js';

type Handler = (args: never) => Promise<{ response: unknown }>;

/** A command whose stack keeps the one middleware added to it, to call by hand. */
function fakeCommand(): { command: CommandWithStack; middleware: () => (next: Handler) => Handler } {
  let added: ((next: Handler) => Handler) | undefined;
  const command: CommandWithStack = {
    middlewareStack: {
      add: (middleware) => {
        added = middleware;
      },
    },
  };
  return { command, middleware: () => added as (next: Handler) => Handler };
}

describe(WireSlot.name, () => {
  it('gives back a slot that comes after the sender closed it (an abort in the same turn as the grant)', async () => {
    const slots = new Semaphore(1);
    const holder = await slots.acquire();
    const controller = new AbortController();
    const slot = new WireSlot(slots, controller.signal, () => false, () => undefined);
    const { command, middleware } = fakeCommand();
    slot.attach(command);
    const next = jest.fn<Handler>(() => Promise.reject(new Error('aborted on the wire')));
    const sent = middleware()(next)(undefined as never).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    // The slot passes to the waiting middleware, and in the same turn the caller aborts and the
    // sender, done, closes the slot before the middleware's continuation runs.
    holder();
    controller.abort(new Error('caller gave up'));
    slot.close();
    expect(((await sent) as Error).message).toBe('caller gave up');
    expect(next).not.toHaveBeenCalled();
    expect(slots.tryAcquire()).toBeInstanceOf(Function);
  });

  it('keeps the slot after an error answer until the sender closes it, and passes it on after a 2xx', async () => {
    const slots = new Semaphore(1);
    const errorSlot = new WireSlot(slots, undefined, () => false, () => undefined);
    const one = fakeCommand();
    errorSlot.attach(one.command);
    await one.middleware()(() => Promise.resolve({ response: { statusCode: 400, body: Buffer.from('{}') } }))(undefined as never);
    expect(slots.tryAcquire()).toBeUndefined();
    errorSlot.close();
    const okSlot = new WireSlot(slots, undefined, () => false, () => undefined);
    const two = fakeCommand();
    okSlot.attach(two.command);
    const output = await two.middleware()(() => Promise.resolve({ response: { statusCode: 200, body: Buffer.from('{"a":1}') } }))(undefined as never);
    expect(slots.tryAcquire()).toBeInstanceOf(Function);
    expect(Buffer.from((output.response as { body: Uint8Array }).body).toString()).toBe('{"a":1}');
  });
});
