// Per-thread counters behind INFO commandstats and errorstats.

import type { ErrorReplySink } from '../protocol/reply-writer.ts';

export class CommandStat {
  calls = 0;
  /** Time spent running the command on this thread, in microseconds. */
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;
}

/** Error replies by their code (the first word: ERR, WRONGTYPE...), as Redis's errorstats. */
export class ErrorCounter implements ErrorReplySink {
  total = 0;
  readonly byCode = new Map<string, number>();

  count(message: string): void {
    this.total++;
    const space = message.indexOf(' ');
    const code = space < 0 ? message : message.slice(0, space);
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.total = 0;
    this.byCode.clear();
  }
}

export class CommandStats {
  readonly byName = new Map<string, CommandStat>();
  readonly errors = new ErrorCounter();

  of(name: string): CommandStat {
    let stat = this.byName.get(name);
    if (stat === undefined) this.byName.set(name, (stat = new CommandStat()));
    return stat;
  }

  reset(): void {
    this.byName.clear();
    this.errors.reset();
  }
}
