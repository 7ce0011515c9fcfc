// presence.ts: who is in the session and who is typing, from the session channel's presence
// (PROTOCOL.md section 12; the demo server enables it on the session family, and its hook
// gives every entry `meta.name`, the connection's display name). Typing is `meta.typing`, set
// with `presence_update`: a tab that closes without saying it stopped typing is gone from
// everyone's list within seconds, because its entry leaves with its connection.
import type { PresenceEntry } from '@jchannels/channels-browser';
import type { Client } from './app.js';

/** What the demo keeps in `meta`. */
export interface DemoMeta extends Record<string, unknown> {
  name?: string;
  typing?: boolean;
}

/** The page's handle on presence: `setTyping` changes this connection's `meta.typing`. */
export interface PresencePane {
  setTyping(typing: boolean): void;
}

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

/** Renders the session's presence into `#people` and `#typing-note`. */
export function mountPresence(client: Client, channel: `session:${string}`, myName: string): PresencePane {
  const view = client.presence<DemoMeta>(channel);
  const people = $('people');
  const note = $('typing-note');
  const nameOf = (key: string, entries: PresenceEntry<DemoMeta>[]): string =>
    entries.find((e) => typeof e.meta.name === 'string')?.meta.name ?? key;
  const mine = (e: PresenceEntry<DemoMeta>): boolean => e.connId === client.clientId;

  const render = (): void => {
    const rows = view.list((key, entries) => ({
      key,
      name: nameOf(key, entries),
      me: entries.some(mine),
      tabs: entries.length,
      typing: entries.some((e) => e.meta.typing === true && !mine(e)),
    }));
    people.replaceChildren(...rows.map((r) => {
      const li = document.createElement('li');
      li.dataset.key = r.key;
      li.dataset.typing = String(r.typing);
      li.textContent = r.name + (r.me ? ' (you)' : '') + (r.tabs > 1 ? ` ×${r.tabs}` : '');
      if (r.typing) {
        const t = document.createElement('span');
        t.className = 'typing';
        t.textContent = ' typing…';
        li.append(t);
      }
      return li;
    }));
    people.dataset.synced = String(view.synced);
    const typing = rows.filter((r) => r.typing).map((r) => r.name);
    note.textContent = typing.length === 0 ? ''
      : `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`;
  };
  let typing = false;
  view.onSync(render);
  client.addStateListener((s) => {
    if (s.state !== 'ready') typing = false; // a new connection starts from the hook's meta
    render(); // the list is marked stale while it is not synced
  });
  return {
    setTyping(next: boolean): void {
      if (typing === next || !client.ready) return;
      typing = next;
      // meta is replaced whole: keep the name the server's hook gave this connection
      const own = Object.values(view.state).flat().find(mine);
      void view.update({ ...(own?.meta ?? { name: myName }), typing: next })
        .catch((e: unknown) => console.warn('[presence] update refused', e));
    },
  };
}
