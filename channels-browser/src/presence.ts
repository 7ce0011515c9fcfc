// Presence (PROTOCOL.md section 12) on the browser client: who is subscribed to a channel, as
// Phoenix's JavaScript `Presence` models it (`syncState`, `syncDiff`, `onJoin`, `onLeave`,
// `onSync`, `list`), with the protocol's shape: a key (the principal's name) holds one entry
// per connection, `{connId, joinedAt, meta}`.

/** An entry's `meta`: a small JSON object set by the server's hook and by `update`. */
export type PresenceMeta = Record<string, unknown>;

/** One connection under a key. */
export interface PresenceEntry<M extends PresenceMeta = PresenceMeta> {
  /** The connection's id, unique on the channel. */
  connId: string;
  /** When it joined the channel, epoch milliseconds (server clock). */
  joinedAt: number;
  meta: M;
}

/** Key → entries, as in `presence_state`'s `entries`. */
export type PresenceState<M extends PresenceMeta = PresenceMeta> = Record<string, PresenceEntry<M>[]>;

/** A `presence_diff`'s data. */
export interface PresenceDiff<M extends PresenceMeta = PresenceMeta> {
  joins: PresenceState<M>;
  leaves: PresenceState<M>;
}

/** Entries joined `key`, which held `before` (empty when the key is new). */
export type OnJoin<M extends PresenceMeta = PresenceMeta> =
  (key: string, before: PresenceEntry<M>[], joined: PresenceEntry<M>[]) => void;
/** Entries left `key`, which still holds `remaining` (empty when the key is gone). */
export type OnLeave<M extends PresenceMeta = PresenceMeta> =
  (key: string, remaining: PresenceEntry<M>[], left: PresenceEntry<M>[]) => void;

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Applies a `presence_diff` to `state` and returns the new state (`state` is not changed):
 * the leaves first, then the joins, both by `connId`, because an update is "a leave and a join
 * of that entry in one diff". A join of an entry already there, equal, reports nothing; a leave
 * of an entry that is not there is ignored: applying a frame twice never duplicates an entry.
 */
export function syncDiff<M extends PresenceMeta>(state: PresenceState<M>, diff: PresenceDiff<M>,
  onJoin?: OnJoin<M>, onLeave?: OnLeave<M>): PresenceState<M> {
  const next: PresenceState<M> = {};
  for (const key of Object.keys(state)) next[key] = [...state[key]!];
  for (const key of Object.keys(diff.leaves ?? {})) {
    const list = own(next, key) ? next[key]! : undefined;
    if (list === undefined) continue;
    const left: PresenceEntry<M>[] = [];
    for (const e of diff.leaves[key] ?? []) {
      const i = list.findIndex((x) => x.connId === e.connId);
      if (i >= 0) left.push(...list.splice(i, 1));
    }
    if (list.length === 0) delete next[key];
    if (left.length > 0) onLeave?.(key, [...list], left);
  }
  for (const key of Object.keys(diff.joins ?? {})) {
    const list = own(next, key) ? next[key]! : [];
    const before = [...list];
    const joined: PresenceEntry<M>[] = [];
    for (const e of diff.joins[key] ?? []) {
      const i = list.findIndex((x) => x.connId === e.connId);
      if (i >= 0 && same(list[i]!, e)) continue;
      if (i >= 0) list[i] = e;
      else list.push(e);
      const j = joined.findIndex((x) => x.connId === e.connId);
      if (j >= 0) joined.splice(j, 1);
      joined.push(e);
    }
    if (list.length > 0) next[key] = list;
    if (joined.length > 0) onJoin?.(key, before, joined);
  }
  return next;
}

/**
 * Replaces `state` by `newState` (a `presence_state`) and reports the difference: an entry
 * that is no longer there (or is there with another meta) is a leave, a new one a join; an
 * entry in both, unchanged, is not reported. Returns `newState` with one entry per `connId`.
 */
export function syncState<M extends PresenceMeta>(state: PresenceState<M>, newState: PresenceState<M>,
  onJoin?: OnJoin<M>, onLeave?: OnLeave<M>): PresenceState<M> {
  const normal: PresenceState<M> = {};
  for (const key of Object.keys(newState)) {
    const unique: PresenceEntry<M>[] = [];
    for (const e of newState[key] ?? []) {
      const i = unique.findIndex((x) => x.connId === e.connId);
      if (i >= 0) unique[i] = e;
      else unique.push(e);
    }
    if (unique.length > 0) normal[key] = unique;
  }
  const leaves: PresenceState<M> = {};
  for (const key of Object.keys(state)) {
    const there = own(normal, key) ? normal[key]! : [];
    const gone = state[key]!.filter((e) => !there.some((x) => same(x, e)));
    if (gone.length > 0) leaves[key] = gone;
  }
  const joins: PresenceState<M> = {};
  for (const key of Object.keys(normal)) {
    const had = own(state, key) ? state[key]! : [];
    const come = normal[key]!.filter((e) => !had.some((x) => same(x, e)));
    if (come.length > 0) joins[key] = come;
  }
  syncDiff(state, { joins, leaves }, onJoin, onLeave);
  return normal;
}

/** `state` as a list, one item per key: `by(key, entries)`, by default `{key, entries}`. */
export function list<M extends PresenceMeta, T = { key: string; entries: PresenceEntry<M>[] }>(
  state: PresenceState<M>, by?: (key: string, entries: PresenceEntry<M>[]) => T): T[] {
  const choose = by ?? ((key: string, entries: PresenceEntry<M>[]) => ({ key, entries }) as T);
  return Object.keys(state).map((key) => choose(key, state[key]!));
}

function same(a: PresenceEntry, b: PresenceEntry): boolean {
  return a.connId === b.connId && a.joinedAt === b.joinedAt && equal(a.meta, b.meta);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => own(b, k)
    && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What a presence view needs from its client. */
export interface PresenceHost {
  /** Sends `presence_update` as a request; resolves with the reply's response. */
  update(channel: string, meta: PresenceMeta): Promise<unknown>;
  logger: { error(...args: unknown[]): void };
  name: string;
  /** Counts a callback that threw. */
  handlerError(): void;
}

/**
 * The live presence view of one channel, from `client.presence(channel)`: filled from the
 * server's `presence_state` and `presence_diff` while the client has handlers on the channel.
 *
 * - After a reconnection the new connection's `presence_state` replaces the view through
 *   `syncState`: callbacks hear only the difference (the client's own new connection is a join,
 *   its old one a leave), and the view never holds two entries with one `connId`. Between the
 *   loss and that state the view keeps the last entries, with `synced` false.
 * - When the channel's last handler is closed the view empties (a leave for each entry).
 * - `presence_state` / `presence_diff` frames never reach the channel's handlers, and the
 *   `guard` is not asked about them.
 */
export class Presence<M extends PresenceMeta = PresenceMeta> {
  readonly channel: string;
  readonly #host: PresenceHost;
  #state: PresenceState<M> = {};
  #synced = false;
  #joins = new Set<OnJoin<M>>();
  #leaves = new Set<OnLeave<M>>();
  #syncs = new Set<() => void>();

  constructor(channel: string, host: PresenceHost) {
    this.channel = channel;
    this.#host = host;
  }

  /** The entries now, key → entries (a fresh copy). */
  get state(): PresenceState<M> {
    const out: PresenceState<M> = {};
    for (const k of Object.keys(this.#state)) out[k] = [...this.#state[k]!];
    return out;
  }

  /** True once the current connection's `presence_state` arrived; false before, and after a loss. */
  get synced(): boolean { return this.#synced; }

  /** The keys now, one item each: `by(key, entries)`, by default `{key, entries}`. */
  list<T = { key: string; entries: PresenceEntry<M>[] }>(
    by?: (key: string, entries: PresenceEntry<M>[]) => T): T[] {
    return list(this.#state, by);
  }

  /** The entries of `key` now; empty when absent. */
  get(key: string): PresenceEntry<M>[] {
    return own(this.#state, key) ? [...this.#state[key]!] : [];
  }

  /** Calls `cb` for every join (Phoenix's `onJoin`); returns its remover. */
  onJoin(cb: OnJoin<M>): () => void { this.#joins.add(cb); return () => { this.#joins.delete(cb); }; }

  /** Calls `cb` for every leave (Phoenix's `onLeave`); returns its remover. */
  onLeave(cb: OnLeave<M>): () => void { this.#leaves.add(cb); return () => { this.#leaves.delete(cb); }; }

  /** Calls `cb` after each frame was applied (Phoenix's `onSync`); returns its remover. */
  onSync(cb: () => void): () => void { this.#syncs.add(cb); return () => { this.#syncs.delete(cb); }; }

  /**
   * Sets this connection's own `meta` (`presence_update`, sent as a request: queued while not
   * ready). Resolves on the ok reply; rejects with a ChannelError, e.g. `invalid_data` when the
   * server refuses the meta (not an object, over its size limit). Everyone, this client
   * included, then sees the change as a leave and a join of the entry. A new connection starts
   * from the meta the server's hook gives: set it again after a reconnection if it should last.
   */
  update(meta: M): Promise<unknown> {
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new TypeError('meta must be an object');
    }
    return this.#host.update(this.channel, meta);
  }

  // ---------------------------------------------------------------- for the client

  /** @internal A `presence_state` of the current connection. */
  _state(entries: PresenceState<M>): void {
    this.#synced = true;
    this.#apply((j, l) => syncState(this.#state, entries, j, l));
  }

  /** @internal A `presence_diff` of the current connection. */
  _diff(diff: PresenceDiff<M>): void {
    this.#apply((j, l) => syncDiff(this.#state, diff, j, l));
  }

  /** @internal The connection dropped: keep the entries until the next state. */
  _unsync(): void { this.#synced = false; }

  /** @internal The channel was left: every entry leaves. */
  _clear(): void {
    this.#synced = false;
    if (Object.keys(this.#state).length > 0) this.#apply((j, l) => syncState(this.#state, {}, j, l));
  }

  #apply(change: (onJoin: OnJoin<M>, onLeave: OnLeave<M>) => PresenceState<M>): void {
    const calls: (() => void)[] = [];
    const next = change(
      (key, before, joined) => {
        for (const cb of [...this.#joins]) calls.push(() => cb(key, before, joined));
      },
      (key, remaining, left) => {
        for (const cb of [...this.#leaves]) calls.push(() => cb(key, remaining, left));
      });
    this.#state = next; // callbacks see the whole frame applied
    for (const call of calls) this.#safely(call);
    for (const cb of [...this.#syncs]) this.#safely(cb);
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#host.handlerError();
      this.#host.logger.error(`[${this.#host.name}] a presence callback of ${this.channel} threw`, e);
    }
  }
}

/** Reads a presence frame's data into entries; throws a TypeError naming the problem. */
export function readEntries(value: unknown, name: string): PresenceState {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`'data.${name}' must be an object`);
  const out: PresenceState = {};
  for (const [key, entries] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(entries)) throw new TypeError(`'data.${name}.${key}' must be an array of entries`);
    out[key] = entries.map((e: unknown) => {
      const x = e as Partial<PresenceEntry> | null;
      if (typeof x !== 'object' || x === null || typeof x.connId !== 'string' || x.connId === '') {
        throw new TypeError(`an entry of '${name}.${key}' has no 'connId'`);
      }
      if (typeof x.joinedAt !== 'number') throw new TypeError(`entry ${x.connId} has no 'joinedAt'`);
      const meta = x.meta ?? {};
      if (typeof meta !== 'object' || Array.isArray(meta)) throw new TypeError(`'meta' of entry ${x.connId} must be an object`);
      return { connId: x.connId, joinedAt: x.joinedAt, meta: meta as PresenceMeta };
    });
  }
  return out;
}
