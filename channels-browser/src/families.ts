// Type-level plumbing: how a client finds a channel's family, and with it the events that
// may arrive on the channel and the events it may send there. The families themselves come
// from the code channels-typescript generates (its `ChannelFamilies` type).

/** An event as the generated unions declare them: a wire type and its data. */
export interface EventShape {
  type: string;
  data: unknown;
}

/** One family: the type of its channel names and its events per direction. */
export interface FamilyEntry {
  channel: string;
  server: EventShape;
  client: EventShape;
}

/** Families by name, such as the generated `ChannelFamilies`. */
export type FamilyMap = Record<string, FamilyEntry>;

/** Without generated types: any channel, any event. */
export type UntypedFamilies = Record<string, { channel: string; server: EventShape; client: EventShape }>;

/** Every channel name of the families: `'global' | `session:${string}` | ...`. */
export type ChannelOf<F extends FamilyMap> = F[keyof F]['channel'];

/** The family (its name) of channel type `C`. */
export type FamilyOf<F extends FamilyMap, C extends string> = {
  [K in keyof F]: C extends F[K]['channel'] ? K : never;
}[keyof F];

/** What a server sends on channel `C`. */
export type ServerEventOn<F extends FamilyMap, C extends string> = F[FamilyOf<F, C>]['server'];

/** What a client may send on channel `C`. */
export type ClientEventOn<F extends FamilyMap, C extends string> = F[FamilyOf<F, C>]['client'];

/** One frame on the wire (PROTOCOL.md section 2). */
export interface WireMessage {
  channel: string;
  type: string;
  data: unknown;
  ref?: string;
  seq?: number;
  epoch?: string;
}

/** What came with an event besides its type and data. */
export interface MessageMeta<C extends string = string> {
  /** The channel it arrived on. */
  channel: C;
  /** The frame's `ref`, if any. */
  ref?: string;
  /** Position in the channel's history (PROTOCOL.md section 11), on families that keep one. */
  seq?: number;
  /** The history's epoch, with `seq`. */
  epoch?: string;
}
