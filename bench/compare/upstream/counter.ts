// The upstream side of the comparison: the same counter actor as apps/rivet-demo, written for
// rivetkit 2.3.19, plus `goToSleep` (the C++ bench server has the same action).
import { actor, setup } from "rivetkit";

const counter = actor({
  state: { count: 0 },
  actions: {
    increment: (c, amount: number) => {
      c.state.count += amount;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
    getCount: (c) => c.state.count,
    goToSleep: (c) => {
      c.sleep();
      return null;
    },
  },
});

const registry = setup({ use: { counter } });
registry.start();
