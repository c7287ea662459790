// The load generator's command line: node bench/load.ts --help

import { parseArgs, USAGE } from './generator/options.ts';
import { formatResult } from './generator/report.ts';
import { runLoad } from './generator/run.ts';

try {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
  } else {
    const r = await runLoad(args.options);
    if (args.json) console.log(JSON.stringify(r, null, 2));
    else console.log(formatResult(r));
    if (r.errors > 0) process.exitCode = 2;
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
