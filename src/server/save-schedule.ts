// Save points (the `save` setting), as Redis's cron checks them: once a
// second, on the first thread, for the whole server. A point is reached when
// every shard's writes since the last save together reach its count and more
// than its seconds passed since the last save; the server then runs BGSAVE
// itself. After a failed one it waits a few seconds before trying again.

import { parseSavePoints, type SavePoint } from '../config/save-points.ts';
import { log } from '../util/log.ts';
import type { ServerContext } from './server-context.ts';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY. */
const RETRY_DELAY_SECONDS = 5;
const BGSAVE = [Buffer.from('BGSAVE')];

export class SaveSchedule {
  private readonly server: ServerContext;
  private readonly run: (argv: Buffer[]) => Promise<Buffer>;
  private setting = '';
  private points: SavePoint[] = [];
  private lastTry = 0;

  constructor(server: ServerContext, run: (argv: Buffer[]) => Promise<Buffer>) {
    this.server = server;
    this.run = run;
  }

  /** Once a second: runs BGSAVE when a save point is reached. */
  check(now: number): void {
    const setting = this.server.config.get('save');
    if (setting !== this.setting) {
      this.setting = setting;
      this.points = parseSavePoints(setting) ?? [];
    }
    const status = this.server.saveStatus;
    if (this.points.length === 0 || status.bgsaveInProgress) return;
    const seconds = Math.floor(now / 1000);
    if (!status.lastOk && seconds - this.lastTry <= RETRY_DELAY_SECONDS) return;
    const changes = this.server.snapshotProgress.changes;
    const point = this.points.find((p) => changes >= p.changes && seconds - status.lastSave > p.seconds);
    if (point === undefined) return;
    log('notice', `${point.changes} changes in ${point.seconds} seconds. Saving...`);
    this.lastTry = seconds;
    void this.run(BGSAVE).then((reply) => {
      if (reply[0] === 0x2d /* - */) log('warning', `Background saving could not start: ${reply.toString('latin1', 1).trim()}`);
    });
  }
}
