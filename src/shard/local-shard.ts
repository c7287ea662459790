// This thread's own shard: a hop to it is a direct call, its arguments as they
// are (no framing, no copy); the reply still comes back as RESP bytes, the
// same as from any shard.

import type { Protocol } from '../protocol/reply-writer.ts';
import type { ReplyWaiter, Shard } from './shard.ts';

/** Runs hops on this thread's shard (tx/hop-server.ts). */
export interface LocalHopServer {
  serveLocal(db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void;
}

export class LocalShard implements Shard {
  private readonly server: LocalHopServer;

  constructor(server: LocalHopServer) {
    this.server = server;
  }

  send(db: number, proto: Protocol, flags: number, argv: Buffer[], argc: number, waiter: ReplyWaiter): void {
    this.server.serveLocal(db, proto, flags, argv, argc, waiter);
  }
}
