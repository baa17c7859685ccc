import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DynamoProcess {
  endpoint: string;
  requests(): Promise<number>;
  stop(): Promise<void>;
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

/** Starts bench/dynamo-process.ts under tsx and waits until it listens. */
export async function startDynamoProcess(): Promise<DynamoProcess> {
  const script = fileURLToPath(new URL('./dynamo-process.ts', import.meta.url));
  const child = fork(script, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await next<{ port: number }>(child, 'ready');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async requests() {
      const reply = next<{ requests: number }>(child, 'count');
      child.send({ type: 'count' });
      return (await reply).requests;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
