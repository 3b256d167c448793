/**
 * `defineTest<SetupData, State>` types `ctx.state` in every exec, user hook and task with no casts.
 * The checks are the compiler's: the build (tsc over test/) fails when a line below stops compiling,
 * or when a `@ts-expect-error` line stops being an error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTest, type VuContext } from '../../src/index.js';

interface Cart {
  items: string[];
  token: string;
}

const typed = defineTest<{ base: string }, Cart>({
  scenarios: {
    direct: {
      executor: 'constant-vus',
      vus: 1,
      duration: '1s',
      exec: (ctx) => {
        const n: number = ctx.state.items.length; // typed: no cast
        const d: string = ctx.data.base;
        // @ts-expect-error ctx.state.token is a string, not a number
        const wrong: number = ctx.state.token;
        return [n, d, wrong];
      },
    },
    shopper: { executor: 'constant-vus', vus: 1, duration: '1s', user: 'shopper' },
  },
  users: {
    shopper: {
      onStart: (ctx) => {
        ctx.state.items = [];
        ctx.state.token = 'x';
      },
      tasks: [
        (ctx) => ctx.state.items.push('apple'),
        {
          weight: 2,
          run: (ctx) => {
            // @ts-expect-error Cart has no field `missing`
            return ctx.state.missing;
          },
        },
      ],
    },
  },
});

// Without a State argument, each user still declares its own state by annotation (as before),
// and two users may declare different ones: State is never inferred from the first.
const untyped = defineTest({
  scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s', user: 'u' } },
  users: {
    u: { tasks: [(ctx: VuContext<{ hits: number }>) => ctx.state.hits++] },
    v: {
      onStart: (ctx: VuContext<{ name: string }>) => {
        ctx.state.name = 'x';
      },
      tasks: [(ctx: VuContext<{ name: string }>) => ctx.state.name],
    },
  },
});

describe('defineTest<SetupData, State>', () => {
  it('returns the definition it was given (the type test is the build)', () => {
    assert.equal(Object.keys(typed.scenarios).length, 2);
    assert.equal(Object.keys(untyped.users ?? {}).length, 2);
  });
});
