// FUNCTION: server-side libraries. Libraries come with scripting, which does
// not exist yet, so none can be loaded: FLUSH has nothing to remove and LIST
// nothing to show. Only these subcommands (and HELP) exist; the others answer
// the unknown-subcommand error until scripting brings them.

import { NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
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
      out.error(`ERR Unknown argument ${argv[i].toString()}`);
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

const SCRIPTING = ['scripting'];

function functionSubcommand(name: string, arity: number, flags: readonly string[], summary: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name: `function|${name}`, arity, flags, ...NO_KEYS, aclCategories: SCRIPTING, group: 'scripting', since: '7.0.0', summary, placement: 'client', handler };
}

/** The container itself never runs: the dispatcher always picks a subcommand. */
function container(): void {}

export const functionCommands: CommandSpec[] = [
  {
    name: 'function',
    arity: -2,
    flags: [],
    ...NO_KEYS,
    group: 'scripting',
    since: '7.0.0',
    summary: 'Subcommands about function libraries',
    placement: 'client',
    handler: container,
    subcommands: [
      functionSubcommand('flush', -2, ['write', 'noscript'], 'Removes every library', functionFlush),
      functionSubcommand('list', -2, ['noscript'], 'Describes the loaded libraries', functionList),
      functionSubcommand('help', 2, ['loading', 'stale'], 'Lists the subcommands', functionHelp),
    ],
  },
];
