// Log lines in Redis's format: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message".

import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let threshold = LEVELS.notice;
let logFile = '';
/** Redis marks the process role: M for the server; we add the thread (M main, Wn worker n). */
let role = 'M';

export function configureLog(level: string, file: string, threadRole: string): void {
  threshold = LEVELS[level as LogLevel] ?? LEVELS.notice;
  logFile = file;
  role = threadRole;
}

export function setLogLevel(level: string): void {
  threshold = LEVELS[level as LogLevel] ?? threshold;
}

function timestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function log(level: LogLevel, message: string): void {
  const rank = LEVELS[level];
  if (rank < threshold) return;
  const line = `${process.pid}:${role} ${timestamp(new Date())} ${MARKS[rank]} ${message}\n`;
  if (logFile === '') process.stdout.write(line);
  else appendFileSync(logFile, line);
}
