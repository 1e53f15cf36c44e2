/**
 * The control for every client-side figure: a trivial node:http server in its own process that answers
 * any request with a fixed small JSON body and does nothing else. What the bench's generator reaches
 * against it is the ceiling of the generator itself on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SERVER_SOURCE = `
const http = require('node:http');
const body = JSON.stringify({ status: 'ok', replica: 'control', uptime_s: 1, redis: 'up' });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.on('SIGTERM', () => process.exit(0));
// The bench went away (even by SIGKILL): so does the control.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface ControlServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startControlServer(timeoutMs = 10_000): Promise<ControlServer> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=commonjs', '-e', SERVER_SOURCE], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // Its own process group, so its CPU can be told apart from the bench's (process-cpu.ts).
    detached: true,
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`control server did not start in ${timeoutMs} ms`)),
      timeoutMs,
    );
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = /^(\d+)\n/.exec(text);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`control server exited (code ${code}) before listening`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}
