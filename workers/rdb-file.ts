// Background job (piscina, see commands/persistence.ts): joins the parts a
// background save's shards wrote into the RDB file, off the shards' threads.

import { assemblePartFiles, type JoinTask } from '../src/store/rdb/rdb-file.ts';

/** The file's size in bytes. */
export default function joinParts(task: JoinTask): number {
  return assemblePartFiles(task.path, task.parts, task.options);
}
