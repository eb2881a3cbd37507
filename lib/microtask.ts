// One way to run a function in a microtask: a reaction on a resolved promise. Node's queueMicrotask()
// wraps each callback for async_hooks and costs several times more, on every call of an actor.
const resolved = Promise.resolve();

export function microtask(fn: () => void): void {
  void resolved.then(fn);
}
