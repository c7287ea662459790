// FUNCTION: server-side libraries. Libraries come with scripting, which does
// not exist yet, so none can be loaded: FLUSH has nothing to remove and LIST
// nothing to show. Only these subcommands (and HELP) exist; the others answer
// the unknown-subcommand error until scripting brings them.

import type { CommandContext, Bindings } from './command.ts';
import { isKeyword } from '../protocol/args.ts';
import { replyHelp } from './help.ts';

function syntaxError(ctx: CommandContext): string {
  return `ERR unknown subcommand or wrong number of arguments for '${ctx.argv[1].toString().slice(0, 128)}'. Try FUNCTION HELP.`;
}

/** FUNCTION FLUSH [ASYNC|SYNC]: removes every library. */
function functionFlush(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  if (argc > 3) out.error(syntaxError(ctx));
  else if (argc === 3 && !isKeyword(argv[2], 'sync') && !isKeyword(argv[2], 'async')) out.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  else out.ok();
}

/** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: the libraries matching the pattern, each option at most once. */
function functionList(ctx: CommandContext): void {
  const { argv, argc, out } = ctx;
  let withCode = false;
  let libraryName = false;
  for (let i = 2; i < argc; i++) {
    if (!withCode && isKeyword(argv[i], 'withcode')) withCode = true;
    else if (!libraryName && isKeyword(argv[i], 'libraryname')) {
      if (i === argc - 1) {
        out.error('ERR library name argument was not given');
        return;
      }
      libraryName = true;
      i++;
    } else {
      out.error(`ERR Unknown argument ${argv[i].toString('latin1')}`, 'latin1');
      return;
    }
  }
  out.arrayHeader(0);
}

function functionHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'FUNCTION', [
    'FLUSH [ASYNC|SYNC]',
    '    Removes every library.',
    'LIST [LIBRARYNAME <pattern>] [WITHCODE]',
    '    Describes the libraries whose names match <pattern> (all by default),',
    '    with their code when WITHCODE is given.',
  ]);
}


// --- the bindings (the rows are table/functions.ts) ---

export const functionBindings: Bindings = {
  'function|flush': functionFlush,
  'function|list': functionList,
  'function|help': functionHelp,
};
