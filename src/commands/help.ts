// The HELP reply every container command (CLIENT, CONFIG, OBJECT...) shares.
// Kept out of command-docs.ts, which reads the command table, so that the
// families in the table do not import it back (a runtime cycle).

import type { CommandContext } from './command.ts';

/** Redis's help reply: a header naming the command, the lines, and the HELP footer, as status lines. */
export function replyHelp(ctx: CommandContext, command: string, lines: readonly string[]): void {
  const out = ctx.out;
  out.arrayHeader(lines.length + 3);
  out.simple(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) out.simple(line);
  out.simple('HELP');
  out.simple('    Prints this help.');
}
