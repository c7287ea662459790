// The server's configuration: defaults, a redis.conf-style file, then
// command-line `--name value` overrides, as redis-server reads them.

import { formatSavePoints, parseSavePoints } from './save-points.ts';
import { formatKeyspaceEvents, parseKeyspaceEvents } from './keyspace-events.ts';
import { readFileSync } from 'node:fs';
import { getSystemErrorMessage } from 'node:util';
import { CONFIG_PARAMS, type ConfigParam } from './params.ts';
import { splitInlineArgs } from '../protocol/inline.ts';
import { parseMemory } from './units.ts';
import { mergeBufferLimits } from './buffer-limits.ts';

export { parseMemory };

const PARAMS_BY_NAME = new Map<string, ConfigParam>();
for (const param of CONFIG_PARAMS) {
  PARAMS_BY_NAME.set(param.name, param);
  for (const alias of param.aliases ?? []) PARAMS_BY_NAME.set(alias, param);
}

export function findParam(name: string): ConfigParam | undefined {
  return PARAMS_BY_NAME.get(name.toLowerCase());
}

export function allParams(): readonly ConfigParam[] {
  return CONFIG_PARAMS;
}

/** Checks a value for a parameter; returns its canonical text or an error reason in Redis's words. */
export function normalizeValue(param: ConfigParam, raw: string, current: string = param.defaultValue): { value: string } | { error: string } {
  const result = param.kind === 'buffer-limits' ? mergeBufferLimits(current, raw) : checkValue(param, raw);
  if (param.notBuilt !== undefined && 'value' in result && result.value.trim() !== param.notBuilt.accepted) return { error: param.notBuilt.reason };
  return result;
}

function checkValue(param: ConfigParam, raw: string): { value: string } | { error: string } {
  switch (param.kind) {
    case 'bool': {
      const lower = raw.toLowerCase();
      if (lower !== 'yes' && lower !== 'no') return { error: 'argument must be \'yes\' or \'no\'' };
      return { value: lower };
    }
    case 'enum': {
      const lower = raw.toLowerCase();
      if (!(param.values ?? []).includes(lower)) return { error: `argument(s) must be one of the following: ${(param.values ?? []).join(', ')}` };
      return { value: lower };
    }
    case 'int':
    case 'memory': {
      if (param.percent === true && /^\d+%$/.test(raw)) {
        const percent = Number(raw.slice(0, -1));
        if (percent > 100) return { error: 'percentage argument must be less or equal to 100' };
        return { value: percent === 0 ? '0' : `${percent}%` };
      }
      const n = param.kind === 'memory' ? parseMemory(raw) : /^-?\d+$/.test(raw) ? Number(raw) : null;
      if (n === null || !Number.isSafeInteger(n)) {
        if (param.kind === 'int') return { error: 'argument couldn\'t be parsed into an integer' };
        return { error: param.percent === true ? 'argument must be a memory or percent value' : 'argument must be a memory value' };
      }
      const min = param.min ?? 0;
      if (n < min || (param.max !== undefined && n > param.max)) {
        return { error: `argument must be between ${min} and ${param.max ?? Number.MAX_SAFE_INTEGER} inclusive` };
      }
      const value = param.clamp === undefined ? n : Math.min(Math.max(n, param.clamp[0]), param.clamp[1]);
      return { value: String(value) };
    }
    case 'keyspace-events': {
      const flags = parseKeyspaceEvents(raw);
      if (flags === null) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
      return { value: formatKeyspaceEvents(flags) };
    }
    case 'save-points': {
      const points = parseSavePoints(raw);
      if (points === null) return { error: 'Invalid save parameters' };
      return { value: formatSavePoints(points) };
    }
    case 'string':
    case 'buffer-limits':
      return { value: raw };
  }
}

export class ConfigError extends Error {}

export class Config {
  private readonly values = new Map<string, string>();
  /** Config file path, empty when none. */
  configFile = '';

  constructor(values?: Record<string, string>) {
    for (const param of CONFIG_PARAMS) this.values.set(param.name, param.defaultValue);
    if (values) for (const [name, value] of Object.entries(values)) this.values.set(name, value);
  }

  get(name: string): string {
    return this.values.get(name) ?? '';
  }

  getNumber(name: string): number {
    return Number(this.values.get(name));
  }

  getBool(name: string): boolean {
    return this.values.get(name) === 'yes';
  }

  /** Sets an already normalized value. */
  setNormalized(name: string, value: string): void {
    this.values.set(name, value);
  }

  /**
   * Applies one directive; throws ConfigError with Redis's reason. `save`
   * lines add up, as in redis.conf (`save 900 1` then `save 300 10`), the
   * first one replacing the default; `save ""` clears them.
   */
  apply(name: string, args: string[]): void {
    const param = findParam(name);
    if (param === undefined || args.length === 0 || (!param.multiWord && args.length !== 1)) {
      throw new ConfigError('Bad directive or wrong number of arguments');
    }
    const result = normalizeValue(param, args.join(' '), this.get(param.name));
    if ('error' in result) throw new ConfigError(result.error);
    if (param.kind === 'save-points' && this.savePointsGiven && result.value !== '' && this.get(param.name) !== '') {
      this.values.set(param.name, `${this.get(param.name)} ${result.value}`);
    } else this.values.set(param.name, result.value);
    if (param.kind === 'save-points') this.savePointsGiven = true;
  }

  /** A `save` directive was applied already: the next one adds to it. */
  private savePointsGiven = false;

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

/** A start-up error: printed as Redis prints a fatal config error. */
export class FatalConfigError extends Error {}

/** Builds the configuration from redis-server style arguments: [configfile] [--name value ...]. */
export function loadConfig(argv: string[]): Config {
  const config = new Config();
  let rest = argv;
  if (rest.length > 0 && !rest[0].startsWith('--')) {
    config.configFile = rest[0];
    applyConfigText(config, readConfigFile(rest[0]), rest[0]);
    rest = rest.slice(1);
  }
  // Command-line options become config lines, as redis-server does: "--port 7000" is "port 7000".
  const lines: string[] = [];
  for (const arg of rest) {
    if (arg.startsWith('--')) lines.push(arg.slice(2));
    else if (lines.length > 0) lines[lines.length - 1] += ` ${quoteWord(arg)}`;
    else throw new FatalConfigError(`Invalid argument '${arg}'`);
  }
  applyConfigText(config, lines.join('\n'), null);
  return config;
}

/** Quotes a command-line value as redis-server does (sdscatrepr), so it reads back as one word. */
function quoteWord(word: string): string {
  let quoted = '"';
  for (const char of word) {
    const code = char.charCodeAt(0);
    if (char === '\\' || char === '"') quoted += `\\${char}`;
    else if (char === '\n') quoted += '\\n';
    else if (char === '\r') quoted += '\\r';
    else if (char === '\t') quoted += '\\t';
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else quoted += char;
  }
  return `${quoted}"`;
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).errno;
    const message = errno === undefined ? (error as Error).message : getSystemErrorMessage(errno);
    const reason = message.charAt(0).toUpperCase() + message.slice(1);
    throw new FatalConfigError(`Fatal error, can't open config file '${path}': ${reason}`);
  }
}

function applyConfigText(config: Config, text: string, source: string | null): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const bytes = Buffer.from(line);
    const words = splitInlineArgs(bytes, 0, bytes.length);
    const fail = (reason: string): never => {
      throw new FatalConfigError(
        `\n*** FATAL CONFIG FILE ERROR (threadis, Redis 7.0.15 compatible) ***\n` +
          `Reading the configuration ${source === null ? 'from the command line' : `file '${source}'`}, at line ${i + 1}\n` +
          `>>> '${line}'\n${reason}`,
      );
    };
    if (words === null) fail('Unbalanced quotes in configuration line');
    const [name, ...args] = (words as Buffer[]).map((word) => word.toString());
    try {
      config.apply(name, args);
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      throw error;
    }
  }
}
