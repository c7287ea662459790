// Flags a hop carries besides the command itself.

/** argv[0] names an internal command (see commands/internal.ts), never reachable by clients. */
export const HOP_INTERNAL = 1;
/** One shard's part of a command the coordinator splits or steps through: its call is counted once, by the coordinator. */
export const HOP_PART = 2;
