// The few control messages between the supervisor and its workers (never per command).
export type WorkerEvent =
  | { type: 'ready' }
  | { type: 'failed'; reason: string }
  | { type: 'shutdown' }
  /** The shard's arena made (buffer) or dropped (null) a segment: the supervisor keeps them for a restart. */
  | { type: 'segment'; index: number; buffer: SharedArrayBuffer | null };
export type SupervisorCommand =
  | { type: 'stop' }
  /** Shard `peer` was restarted: here are the fresh rings to and from it. */
  | { type: 'peer-restarted'; peer: number; toPeer: SharedArrayBuffer; fromPeer: SharedArrayBuffer };
