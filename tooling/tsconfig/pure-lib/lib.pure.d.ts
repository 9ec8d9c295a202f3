/**
 * The globals a pure module may use: deterministic ECMAScript built-ins only. Written here rather than taken
 * from TypeScript's lib so that clocks (`Date`, `performance`), randomness (`Math.random`), timers and
 * runtime objects simply do not exist for the type checker. Add a member when the core needs it; never add
 * anything that reads the outside world.
 */

// --- what the compiler itself requires ---
interface Boolean {}
interface Function {
  readonly name: string;
}
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}
interface IArguments {
  readonly length: number;
  [index: number]: unknown;
}
interface RegExp {}
interface Object {}
interface Symbol {}
interface SymbolConstructor {
  readonly iterator: unique symbol;
}
declare var Symbol: SymbolConstructor;

// --- utility types ---
type Partial<T> = { [P in keyof T]?: T[P] };
type Required<T> = { [P in keyof T]-?: T[P] };
type Readonly<T> = { readonly [P in keyof T]: T[P] };
type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
type Exclude<T, U> = T extends U ? never : T;
type Extract<T, U> = T extends U ? T : never;
type Omit<T, K extends keyof any> = Pick<T, Exclude<keyof T, K>>;
type NonNullable<T> = T & {};
type ReturnType<T extends (...args: any) => any> = T extends (...args: any) => infer R ? R : any;

// --- iteration ---
interface IteratorYieldResult<T> {
  done?: false;
  value: T;
}
interface IteratorReturnResult<T> {
  done: true;
  value: T;
}
type IteratorResult<T, TReturn = any> = IteratorYieldResult<T> | IteratorReturnResult<TReturn>;
interface Iterator<T, TReturn = any, TNext = any> {
  next(...[value]: [] | [TNext]): IteratorResult<T, TReturn>;
}
interface Iterable<T, TReturn = any, TNext = any> {
  [Symbol.iterator](): Iterator<T, TReturn, TNext>;
}
interface IterableIterator<T, TReturn = any, TNext = any> extends Iterator<T, TReturn, TNext> {
  [Symbol.iterator](): IterableIterator<T, TReturn, TNext>;
}
interface MapIterator<T> extends IterableIterator<T, undefined, unknown> {}
interface ArrayIterator<T> extends IterableIterator<T, undefined, unknown> {}

// --- values ---
interface Number {
  toFixed(digits?: number): string;
}
interface NumberConstructor {
  isInteger(value: unknown): boolean;
  isFinite(value: unknown): boolean;
  readonly MAX_SAFE_INTEGER: number;
  readonly NEGATIVE_INFINITY: number;
  readonly POSITIVE_INFINITY: number;
}
declare var Number: NumberConstructor;

interface String {
  readonly length: number;
}
declare function String(value?: unknown): string;

interface ObjectConstructor {
  keys(value: object): string[];
  freeze<T>(value: T): Readonly<T>;
}
declare var Object: ObjectConstructor;

interface Math {
  min(...values: number[]): number;
  max(...values: number[]): number;
  floor(value: number): number;
  ceil(value: number): number;
  round(value: number): number;
  abs(value: number): number;
  imul(a: number, b: number): number;
}
declare var Math: Math;

interface JSON {
  stringify(value: unknown): string;
}
declare var JSON: JSON;

interface Error {
  name: string;
  message: string;
}
interface ErrorConstructor {
  new (message?: string): Error;
  readonly prototype: Error;
}
declare var Error: ErrorConstructor;

interface ReadonlyArray<T> {
  readonly length: number;
  readonly [index: number]: T;
  [Symbol.iterator](): ArrayIterator<T>;
  map<U>(fn: (value: T, index: number) => U): U[];
  filter(fn: (value: T, index: number) => unknown): T[];
  some(fn: (value: T, index: number) => unknown): boolean;
  every(fn: (value: T, index: number) => unknown): boolean;
  reduce<U>(fn: (acc: U, value: T, index: number) => U, initial: U): U;
  includes(value: T): boolean;
  join(separator?: string): string;
  slice(start?: number, end?: number): T[];
}
interface Array<T> {
  length: number;
  [index: number]: T;
  [Symbol.iterator](): ArrayIterator<T>;
  push(...items: T[]): number;
  pop(): T | undefined;
  map<U>(fn: (value: T, index: number) => U): U[];
  filter(fn: (value: T, index: number) => unknown): T[];
  some(fn: (value: T, index: number) => unknown): boolean;
  every(fn: (value: T, index: number) => unknown): boolean;
  reduce<U>(fn: (acc: U, value: T, index: number) => U, initial: U): U;
  sort(compare: (a: T, b: T) => number): this;
  includes(value: T): boolean;
  join(separator?: string): string;
  slice(start?: number, end?: number): T[];
}
interface ArrayConstructor {
  isArray(value: unknown): value is unknown[];
}
declare var Array: ArrayConstructor;

interface Map<K, V> {
  readonly size: number;
  get(key: K): V | undefined;
  set(key: K, value: V): this;
  has(key: K): boolean;
  delete(key: K): boolean;
  clear(): void;
  values(): MapIterator<V>;
  keys(): MapIterator<K>;
  entries(): MapIterator<[K, V]>;
  [Symbol.iterator](): MapIterator<[K, V]>;
  forEach(callback: (value: V, key: K, map: Map<K, V>) => void): void;
}
interface MapConstructor {
  new <K, V>(): Map<K, V>;
}
declare var Map: MapConstructor;
