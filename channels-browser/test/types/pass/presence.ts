// Must compile: a typed presence view of a session channel; meta typed by the application.
import { ChannelClient, type PresenceEntry } from '../../../src/index.js';
import { Channels, type ChannelFamilies } from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;

interface Meta extends Record<string, unknown> { name: string; typing?: boolean }

const view = client.presence<Meta>(Channels.session('abc123'));
view.onJoin((key: string, before: PresenceEntry<Meta>[], joined: PresenceEntry<Meta>[]) => {
  const name: string = joined[0]!.meta.name;
  void [key, before, name];
});
view.onLeave((key, remaining, left) => void [key, remaining.length, left[0]?.connId]);
view.onSync(() => {
  const typing: string[] = view.list((key, entries) => ({ key, typing: entries.some((e) => e.meta.typing) }))
    .filter((p) => p.typing).map((p) => p.key);
  void typing;
});
void view.update({ name: 'Alice', typing: true });
const synced: boolean = view.synced;
void synced;
