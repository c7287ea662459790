// Worker thread entry: one shard of the server.

import { parentPort, workerData } from 'node:worker_threads';
import { ShardThread, type ThreadInit } from '../src/server/shard-thread.ts';
import { configureLog } from '../src/util/log.ts';
import type { SupervisorCommand, WorkerEvent } from '../src/server/worker-messages.ts';

const init = workerData as ThreadInit;
const port = parentPort;
if (port === null) throw new Error('workers/shard.ts runs as a worker thread');
configureLog(init.config.loglevel, init.config.logfile, `W${init.threadIndex}`);

const send = (event: WorkerEvent) => port.postMessage(event);
const thread = new ShardThread(init, (index, buffer) => send({ type: 'segment', index, buffer }));
thread.server.requestShutdown = () => send({ type: 'shutdown' });

port.on('message', async (command: SupervisorCommand) => {
  if (command.type === 'stop') {
    await thread.stop();
    process.exit(0);
  } else if (command.type === 'signal') {
    send({ type: 'signal-seen', saving: thread.shutdownOnSignal(command.signal) });
  } else if (command.type === 'peer-restarted') {
    thread.replacePeer(command.peer, command.toPeer, command.fromPeer);
  }
});

thread.start().then(
  () => send({ type: 'ready' }),
  (error: Error) => send({ type: 'failed', reason: error.message }),
);
