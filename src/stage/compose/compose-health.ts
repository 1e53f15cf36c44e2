/**
 * What the containers of a boot say about the stage, against what the boot asked for: which services
 * are missing or unhealthy, whether it is partly up (a gateway and some api replicas: the gate can still
 * check it), and which services' logs explain a failure. Pure: it reads `ps` rows, runs nothing.
 */
import { NOT_BOOTED_STATE, type ServiceStatus } from '../driver.js';
import { isReady } from './compose-ps.js';

export interface StageShape {
  apiService: string;
  gatewayService: string;
  requiredServices: readonly string[];
  /** Required services this boot left out on purpose (the `services` option). */
  isLeftOut(service: string): boolean;
}

/** What is wrong with the containers compared with what the boot asked for; empty when nothing. */
export function findProblems(shape: StageShape, services: ServiceStatus[], replicas: number): string[] {
  const problems: string[] = [];
  const describe = (list: ServiceStatus[]) =>
    list.map((s) => `${s.name} ${s.state}${s.health !== 'none' ? `/${s.health}` : ''}`).join(', ');

  const api = services.filter((s) => s.service === shape.apiService);
  const readyApi = api.filter(isReady).length;
  if (readyApi < replicas)
    problems.push(
      `${shape.apiService}: ${readyApi} of ${replicas} replicas running and healthy${api.length > readyApi ? ` (${describe(api.filter((s) => !isReady(s)))})` : ''}`,
    );
  for (const name of [shape.gatewayService, ...shape.requiredServices]) {
    const containers = services.filter((s) => s.service === name && s.state !== NOT_BOOTED_STATE);
    if (containers.length === 0 && shape.isLeftOut(name)) continue;
    if (containers.length === 0) problems.push(`${name}: no container`);
    else if (!containers.some(isReady)) problems.push(`${name}: ${describe(containers)}`);
  }
  return problems;
}

/** A gateway container running (not exited, not only created) and at least one api replica ready. */
export function isPartlyUp(shape: StageShape, services: ServiceStatus[]): boolean {
  const gatewayRunning = services.some(
    (s) => s.service === shape.gatewayService && s.state === 'running' && s.health !== 'unhealthy',
  );
  return gatewayRunning && services.some((s) => s.service === shape.apiService && isReady(s));
}

/** Services with a container that is not ready, and expected services with no ready container. */
export function failingServices(shape: StageShape, services: ServiceStatus[]): string[] {
  const expected = [shape.apiService, shape.gatewayService, ...shape.requiredServices].filter(
    (name) => !shape.isLeftOut(name),
  );
  return [
    ...new Set([
      ...services.filter((s) => !isReady(s)).map((s) => s.service),
      ...expected.filter((name) => !services.some((s) => s.service === name && isReady(s))),
    ]),
  ];
}
