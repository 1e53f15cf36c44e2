#!/usr/bin/env node
// `ollama` for the simulator image: just enough of Ollama's CLI for the compose file's entrypoint and
// healthcheck (`serve`, `list`, `pull MODEL`, `show MODEL`), over the same HTTP API the real CLI uses.
// `serve` runs the project's Ollama simulator (no model, no weights): this is NOT Ollama.
import { spawn } from 'node:child_process';

const SIMULATOR = '/opt/ollama-sim/index.js';
// Ollama's own variable and default; the image sets 0.0.0.0:11434 as the official image does.
const hostPort = (process.env.OLLAMA_HOST || '127.0.0.1:11434').replace(/^https?:\/\//, '');
const [host, port = '11434'] = hostPort.split(':');
const clientBase = `http://${host === '0.0.0.0' || host === '' ? '127.0.0.1' : host}:${port}`;

const [command, ...args] = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(`${clientBase}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    fail(`could not connect to ollama server at ${clientBase}: ${error.cause?.code ?? error.message}`);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text.trim().split('\n').at(-1) || '{}');
  } catch {
    json = {};
  }
  if (!response.ok || json.error) fail(json.error || `${response.status} ${text.slice(0, 200)}`);
  return json;
}

switch (command) {
  case 'serve': {
    // The simulator "has" the models it is started with: the default list plus the one asked for.
    const models = [process.env.SIM_MODELS || 'qwen2.5:0.5b,llama3.2:1b', process.env.OLLAMA_MODEL]
      .filter(Boolean)
      .join(',');
    const child = spawn(process.execPath, [SIMULATOR], {
      stdio: 'inherit',
      env: { ...process.env, HOST: host || '0.0.0.0', PORT: port, SIM_MODELS: models },
    });
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    break;
  }
  case 'list': {
    const { models = [] } = await call('GET', '/api/tags');
    process.stdout.write('NAME\tID\tSIZE\tMODIFIED\n');
    for (const model of models) process.stdout.write(`${model.name}\t${model.digest?.slice(0, 12) ?? ''}\t0 B\t-\n`);
    break;
  }
  case 'pull':
  case 'show': {
    if (!args[0]) fail(`"ollama ${command}" requires 1 argument`);
    const result = await call('POST', `/api/${command}`, { model: args[0], stream: false });
    process.stdout.write(command === 'pull' ? `${result.status}\n` : `${result.modelfile ?? ''}`);
    break;
  }
  case '--version':
  case '-v': {
    const { version } = await call('GET', '/api/version');
    process.stdout.write(`ollama version is ${version} (stagegate's Ollama simulator)\n`);
    break;
  }
  default:
    fail(`unknown command "${command ?? ''}" (this simulator image knows serve, list, pull, show)`);
}
