// Runs the commands hops carry, for the hop server (tx/hop-server.ts): the
// command a hop names (an internal one with HOP_INTERNAL), through the
// invoker; a shard's part of a multi-shard command is not counted as a call.

import type { CommandSpec, CommandTable } from '../commands/command.ts';
import { keyLockNames } from '../commands/routing.ts';
import type { CommandExecutor } from '../tx/hop-server.ts';
import type { LockName } from '../tx/intent-locks.ts';
import { HOP_ALLOW_OOM, HOP_CALLER, HOP_INTERNAL, HOP_PART, parseCaller } from '../shard/hop-format.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import type { Invoker } from './invoker.ts';

export class HopExecutor implements CommandExecutor {
  private readonly commands: CommandTable;
  private readonly invoker: Invoker;

  constructor(commands: CommandTable, invoker: Invoker) {
    this.commands = commands;
    this.invoker = invoker;
  }

  execute(db: number, flags: number, argv: Buffer[], argc: number, out: ReplyWriter, clock = 0): void {
    let caller = 0;
    let callerThread = -1;
    if (flags & HOP_CALLER) ({ id: caller, thread: callerThread } = parseCaller(argv[--argc]));
    const spec = this.resolve(flags, argv, argc);
    if (spec === undefined) {
      out.error(`ERR unknown command '${argv[0].toString()}'`);
      return;
    }
    this.invoker.remoteCaller = caller;
    this.invoker.remoteCallerThread = callerThread;
    this.invoker.invoke(spec, argv, argc, out, db, null, (flags & (HOP_INTERNAL | HOP_PART)) === 0, clock, (flags & HOP_ALLOW_OOM) === 0);
    this.invoker.remoteCaller = 0;
  }

  keyLockNames(flags: number, argv: Buffer[], argc: number): LockName[] | null {
    if (flags & HOP_CALLER) argc--;
    const spec = this.resolve(flags, argv, argc);
    return spec === undefined || (spec.firstKey === 0 && spec.keywordKeys !== true) ? null : keyLockNames(spec, argv, argc);
  }

  /** The spec a hop names. */
  private resolve(flags: number, argv: Buffer[], argc: number): CommandSpec | undefined {
    const spec = flags & HOP_INTERNAL ? this.commands.internal(argv[0].toString('latin1')) : this.commands.byName(argv[0]);
    return spec !== undefined && spec.subcommands !== undefined && argc > 1 ? this.commands.subcommand(spec, argv[1].toString('latin1')) : spec;
  }
}
