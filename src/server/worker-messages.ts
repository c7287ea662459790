// The few control messages between the supervisor and its workers (never per command).
export type WorkerEvent =
  | { type: 'ready' }
  | { type: 'failed'; reason: string }
  | { type: 'shutdown' }
  /** The first thread heard of a signal: it saves first (then asks for the shutdown), or not (the supervisor stops the threads). */
  | { type: 'signal-seen'; saving: boolean }
  /** The shard's arena made (buffer) or dropped (null) a segment: the supervisor keeps them for a restart. */
  | { type: 'segment'; index: number; buffer: SharedArrayBuffer | null };
export type SupervisorCommand =
  | { type: 'stop' }
  /** To the first thread: SIGTERM or SIGINT came; it knows the settings that say whether to save first. */
  | { type: 'signal'; signal: 'SIGTERM' | 'SIGINT' }
  /** Shard `peer` was restarted: here are the fresh rings to and from it. */
  | { type: 'peer-restarted'; peer: number; toPeer: SharedArrayBuffer; fromPeer: SharedArrayBuffer };
