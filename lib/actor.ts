// Declaring actors: the Actor base class (typed `Class.remote()`), the @actor and @method decorators and
// defineActor() for plain JavaScript. What they declare is recorded in the model (model/class-info.ts).
import { addBase, classInfo, declareClass, declaredOptions, setMethodOptions, type ClassInfo } from './model/class-info.js';
import { callerModule, register } from './model/definitions.js';
import { checkActorOptions, checkCallOptions, type ActorOptions, type MethodOptions } from './model/options.js';
import type { ActorFactory, ActorHandle } from './types.js';

export type { ClassInfo, MethodInfo } from './model/class-info.js';

type AnyClass = abstract new (...args: never[]) => object;

/** Creating an actor is the runtime's job; the runtime installs it here when its module loads. */
export const creation: {
  create?: (info: ClassInfo, options: ActorOptions, args: unknown[]) => ActorHandle<unknown>;
} = {};

function declare(cls: Function, options: ActorOptions | undefined): void {
  const where = `@actor on ${cls.name || 'an anonymous class'}`;
  const o = checkActorOptions(options, where);
  let url: string | undefined;
  if (o.mode === 'threaded') {
    url = o.module ?? callerModule();
    if (url !== undefined) register('class', { url, name: cls.name }, cls);
  }
  declareClass(cls, o, url);
}

/** Class decorator: makes `cls` an actor with these options (mode 'sync' by default). */
export function actor(options?: ActorOptions) {
  return <C extends AnyClass>(cls: C, _context?: ClassDecoratorContext<C>): C => {
    declare(cls, options);
    return cls;
  };
}

/** What defineActor() adds to a class that does not extend Actor. */
export interface ActorStatics<T, A extends unknown[]> {
  remote(...args: A): ActorHandle<T>;
  options(options: ActorOptions): ActorFactory<T, A>;
}

/** `@actor` for plain JavaScript: `const Counter = defineActor(class { ... }, { mode: 'async' })`. Returns the
 *  class, with `remote()` and `options()` added when it does not extend Actor. */
export function defineActor<C extends new (...args: any[]) => object>(
  cls: C,
  options?: ActorOptions,
): C & ActorStatics<InstanceType<C>, ConstructorParameters<C>> {
  if (typeof cls !== 'function') throw new TypeError(`defineActor: expected a class, got ${typeof cls}`);
  declare(cls, options);
  if (!(cls.prototype instanceof Actor)) {
    Object.defineProperties(cls, {
      remote: { value: Actor.remote, configurable: true, writable: true },
      options: { value: Actor.options, configurable: true, writable: true },
    });
  }
  return cls as C & ActorStatics<InstanceType<C>, ConstructorParameters<C>>;
}

/** Method decorator: per-method defaults for every call (`backpressure`, `concurrencyGroup`, retries). */
export function method(options: MethodOptions) {
  return <F extends Function>(fn: F, context: ClassMethodDecoratorContext): F => {
    setMethodOptions(fn, checkCallOptions(options, `@method on ${String(context.name)}`));
    return fn;
  };
}

/** Creates an actor of class `cls` (decorated or not) with extra options. */
export function createActor<T>(cls: Function, options: ActorOptions | undefined, args: unknown[]): ActorHandle<T> {
  const info = classInfo(cls);
  const o = options === undefined ? info.options : checkActorOptions({ ...info.options, ...options }, `${info.className}.options()`);
  return creation.create!(info, o, args) as ActorHandle<T>;
}

/** The base class of actors: `Counter.remote(...ctorArgs)` creates one and returns its handle. */
export class Actor {
  static remote<T extends object, A extends unknown[]>(this: new (...args: A) => T, ...args: A): ActorHandle<T> {
    return createActor<T>(this, undefined, args);
  }

  static options<T extends object, A extends unknown[]>(this: new (...args: A) => T, options: ActorOptions): ActorFactory<T, A> {
    const cls = this;
    if (options?.mode !== undefined && options.mode !== (declaredOptions(cls)?.mode ?? 'sync')) {
      throw new TypeError(`${cls.name}.options(): mode is set by @actor, not per creation`);
    }
    checkActorOptions({ ...declaredOptions(cls), ...options }, `${cls.name}.options()`);
    return { remote: (...args: A) => createActor<T>(cls, options, args) };
  }
}

addBase(Actor.prototype);
