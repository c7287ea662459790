// Background job (piscina, see commands/persistence.ts): joins the parts a
// background save's shards wrote into the RDB file, off the shards' threads.

import { assemblePartFiles, type JoinedFile, type JoinTask } from '../src/store/rdb/rdb-file.ts';

/** The joined file, synced, not yet renamed over task.path. */
export default function joinParts(task: JoinTask): JoinedFile {
  return assemblePartFiles(task.path, task.parts, task.options);
}
