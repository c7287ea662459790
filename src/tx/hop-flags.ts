// Flags a hop carries besides the command itself.

/** argv[0] names an internal command (see commands/internal.ts), never reachable by clients. */
export const HOP_INTERNAL = 1;
/** One shard's part of a command the coordinator splits or steps through: its call is counted once, by the coordinator. */
export const HOP_PART = 2;
/** Schedules a transaction on the shard: argv = [txid, global 0|1, key...]; replies OK, or an error when it must retry with a new id. */
export const HOP_TX_SCHEDULE = 4;
/** Runs commands inside a scheduled transaction: argv = [txid, conclude 0|1, batch...] (see scheduler.ts encodeBatch). */
export const HOP_TX_RUN = 8;
/** A single-shard transaction in one hop, no id: argv = [key count, key..., watching client id or "", batch...]. */
export const HOP_TX_BATCH = 16;
/** Schedules a transaction, runs its one step once it may, then ends it there: argv = [txid, global 0|1, key count, key..., batch...]. */
export const HOP_TX_SCHEDULE_RUN = 32;
/** Any of the transaction hops. */
export const HOP_TX = HOP_TX_SCHEDULE | HOP_TX_RUN | HOP_TX_BATCH | HOP_TX_SCHEDULE_RUN;
