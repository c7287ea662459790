// Keyspace notifications (notify-keyspace-events): the invoker records what
// the store saw a command do to keys, and this turns each change into Redis's
// events by the command's row (commands/keyspace-events.ts), published on
// __keyspace@<db>__:<key> and __keyevent@<db>__:<event> to subscribers on
// every thread. Keys expired or evicted, in a command or not, are notified as
// they go. Classes not asked for cost nothing: with the setting empty the
// store records nothing.

import type { CommandSpec } from '../commands/command.ts';
import { keyEventRule, keyNotifiedFirst, type EventRule, type KeyEvent } from '../commands/keyspace-events.ts';
import { KEY_CREATED, KEY_EVICTED, KEY_MISSED, KEY_NAMED_EVENT, KEY_REMOVED, type KeyChanges, type KeyGoneListener, type KeyHappening } from '../store/key-events.ts';
import {
  NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE, NOTIFY_NEW, NOTIFY_STREAM, parseKeyspaceEvents,
} from '../config/keyspace-events.ts';
import type { ServerContext } from './server-context.ts';

const NEW: KeyEvent = { name: 'new', type: NOTIFY_NEW };
const KEY_MISS: KeyEvent = { name: 'keymiss', type: NOTIFY_KEY_MISS };
const EXPIRED: KeyEvent = { name: 'expired', type: NOTIFY_EXPIRED };
const EVICTED: KeyEvent = { name: 'evicted', type: NOTIFY_EVICTED };

/** The stream events named where they happen: all of class t. */
const NAMED = new Map<string, KeyEvent>();
function namedEvent(name: string): KeyEvent {
  let found = NAMED.get(name);
  if (found === undefined) NAMED.set(name, (found = { name, type: NOTIFY_STREAM }));
  return found;
}

export class KeyspaceNotifier {
  private readonly server: ServerContext;
  private readonly changes: KeyChanges;
  /** notify-keyspace-events as bits; 0: off. */
  flags = 0;
  /** The events already sent for the command being notified (one of each per key). */
  private readonly sent = new Set<string>();
  private wantsGone = false;
  /** Hears of every key expired or evicted too (client-side caching invalidates them). */
  private readonly alsoGone: KeyGoneListener;

  constructor(server: ServerContext, changes: KeyChanges, alsoGone: KeyGoneListener) {
    this.server = server;
    this.changes = changes;
    this.alsoGone = alsoGone;
    this.refresh();
    server.configListeners.push(() => this.refresh());
    changes.gone = this.onGone;
  }

  private refresh(): void {
    this.flags = parseKeyspaceEvents(this.server.config.get('notify-keyspace-events')) ?? 0;
    this.wantsGone = (this.flags & (NOTIFY_EXPIRED | NOTIFY_EVICTED)) !== 0 && (this.flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) !== 0;
  }

  private readonly onGone = (db: number, key: Uint8Array, how: KeyHappening): void => {
    if (this.wantsGone) this.publish(how === KEY_EVICTED ? EVICTED : EXPIRED, db, Buffer.from(key));
    this.alsoGone(db, key, how);
  };

  /** Called before a command's handler: true when its changes are recorded (the caller then calls `afterCommand`). */
  beforeCommand(): boolean {
    if (this.flags === 0 || this.changes.recording) return false;
    this.changes.recording = true;
    return true;
  }

  /** Notifies what the command did to keys, in the order it did it. */
  afterCommand(spec: CommandSpec, argv: Buffer[], argc: number): void {
    const changes = this.changes;
    changes.recording = false;
    if (changes.keys.length === 0) return;
    const rule = keyEventRule(spec.name);
    const first = keyNotifiedFirst(spec.name);
    if (first !== 0 && first < argc) {
      this.notifyChanges(rule, argv, argc, argv[first], true);
      this.notifyChanges(rule, argv, argc, argv[first], false);
    } else {
      this.notifyChanges(rule, argv, argc, null, false);
    }
    this.sent.clear();
    changes.clear();
  }

  /** The recorded changes in order: all of them (`only` null), or those of key `only` (`matching`) or of the other keys. */
  private notifyChanges(rule: EventRule | undefined, argv: Buffer[], argc: number, only: Buffer | null, matching: boolean): void {
    const changes = this.changes;
    const sent = this.sent;
    for (let i = 0; i < changes.keys.length; i++) {
      const db = changes.dbs[i];
      const key = changes.keys[i];
      if (only !== null && key.equals(only) !== matching) continue;
      const what = changes.happenings[i];
      if (what === KEY_CREATED) this.once(sent, NEW, db, key);
      else if (what === KEY_MISSED) this.once(sent, KEY_MISS, db, key);
      else if (what === KEY_NAMED_EVENT) this.once(sent, namedEvent(changes.names[i] as string), db, key);
      else if (rule !== undefined) for (const event of rule(what === KEY_REMOVED ? 'removed' : 'written', key, argv, argc)) this.once(sent, event, db, key);
    }
  }

  private once(sent: Set<string>, event: KeyEvent, db: number, key: Buffer): void {
    if ((this.flags & event.type) === 0) return;
    const id = `${event.name}\u0000${db}\u0000${key.toString('latin1')}`;
    if (sent.has(id)) return;
    sent.add(id);
    this.publish(event, db, key);
  }

  private publish(event: KeyEvent, db: number, key: Buffer): void {
    if ((this.flags & event.type) === 0) return;
    const pubsub = this.server.pubsub;
    const name = Buffer.from(event.name);
    if (this.flags & NOTIFY_KEYSPACE) pubsub.notify(Buffer.concat([Buffer.from(`__keyspace@${db}__:`), key]), name);
    if (this.flags & NOTIFY_KEYEVENT) pubsub.notify(Buffer.from(`__keyevent@${db}__:${event.name}`), key);
  }
}
