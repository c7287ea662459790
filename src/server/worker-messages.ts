// The few control messages between the supervisor and its workers (never per command).
export type WorkerEvent = { type: 'ready' } | { type: 'failed'; reason: string } | { type: 'shutdown' };
export type SupervisorCommand = { type: 'stop' };
