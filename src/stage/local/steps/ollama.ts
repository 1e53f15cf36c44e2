/**
 * Boot step 2: what the replicas use as Ollama. Either the simulator, started and awaited on its
 * port, or a real Ollama at a URL, which must answer and already have the model (the local stage
 * never pulls one).
 */
import { pollUntil } from '../../../kit/poll.js';
import { describeFetchError } from '../../metrics/scrape-reader.js';
import type { ProgramCommand } from '../../reference-stage.js';
import { BootFailure, waitHealthy } from '../boot-failure.js';
import { PROBE_TIMEOUT_MS, type BootContext } from '../local-stage.js';
import { childBaseEnv, httpOk } from '../process.js';

/** The API's own defaults live in its config; this is only what the local stage checks a real Ollama for. */
const FALLBACK_OLLAMA_MODEL = 'qwen2.5:0.5b';

export type OllamaChoice =
  { kind: 'real'; url: string; model: string | undefined } | { kind: 'simulator'; command: ProgramCommand };

export async function startOllamaOrSimulator(boot: BootContext, ollama: OllamaChoice): Promise<void> {
  const { stage, deadline, signal } = boot;
  if (ollama.kind === 'real') {
    stage.externalOllama = true;
    stage.ollamaUrl = ollama.url;
    const remaining = Math.max(0, deadline - Date.now());
    await checkRealOllama(ollama.url, ollama.model ?? FALLBACK_OLLAMA_MODEL, remaining, signal);
    return;
  }
  stage.ollamaUrl = `http://127.0.0.1:${stage.ports.simulator}`;
  const simulator = stage.spawn('ollama-sim', ollama.command, {
    ...childBaseEnv(),
    ...boot.spec.env,
    PORT: String(stage.ports.simulator),
    HOST: '127.0.0.1',
  });
  stage.simulator = simulator;
  await waitHealthy(simulator, () => httpOk(`${stage.ollamaUrl}/api/version`, PROBE_TIMEOUT_MS), {
    what: 'GET /api/version',
    deadline,
    signal,
  });
}

/** A real Ollama must answer /api/version and already have the model (the local stage never pulls). */
export async function checkRealOllama(
  url: string,
  model: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let lastError = 'no answer yet';
  let models: string[] | undefined;
  const outcome = await pollUntil(
    async () => {
      try {
        models = await listModels(url);
        return true;
      } catch (error) {
        lastError = describeFetchError(error);
        return false;
      }
    },
    { deadline: Date.now() + timeoutMs, intervalMs: 300, signal },
  );
  if (outcome === 'aborted') throw new BootFailure('boot aborted while checking Ollama');
  if (!models)
    throw new BootFailure(
      `ollama at ${url} did not answer /api/version within the boot timeout: ${lastError}`,
    );
  const wanted = model.includes(':') ? model : `${model}:latest`;
  if (!models.some((name) => name === model || name === wanted))
    throw new BootFailure(
      `ollama at ${url} does not have the model "${model}" (it has: ${models.join(', ') || 'none'}); run "ollama pull ${model}" first`,
    );
}

/** The names of the models an Ollama has pulled; throws when it does not answer. */
async function listModels(url: string): Promise<string[]> {
  const version = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await version.arrayBuffer();
  if (!version.ok) throw new Error(`/api/version answered HTTP ${version.status}`);
  const tags = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS * 3) });
  const body = (await tags.json()) as { models?: Array<{ name?: string; model?: string }> };
  return (body.models ?? []).flatMap((entry) => [entry.name, entry.model]).filter(Boolean) as string[];
}
