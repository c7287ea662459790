// Commands threads send each other as hops; clients can never call them.
import type { CommandSpec } from './command.ts';

export const internalCommands: CommandSpec[] = [];
