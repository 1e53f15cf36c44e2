/**
 * Which driver the options ask for, as the factory (src/stage/create-driver.ts) takes it. Pure, so the
 * CLI and the action build the same driver from the same settings; the entries call the factory.
 */
import type { DriverChoice } from '../stage/create-driver.js';
import type { GateSettings } from './settings.js';

export function driverChoiceFor(
  settings: GateSettings,
  options: { cwd?: string; log?: (text: string) => void } = {},
): DriverChoice {
  switch (settings.driver) {
    case 'compose':
      return {
        kind: 'compose',
        compose: {
          composeFile: settings.composeFile,
          projectName: settings.projectName,
          apiService: settings.apiService,
          gatewayService: settings.gatewayService,
          requiredServices: settings.requiredServices,
          services: settings.services,
          ...(settings.composeEnvFile ? { envFile: settings.composeEnvFile } : {}),
          build: settings.build,
          failureLogLines: settings.bootFailureLogLines,
          ...(options.cwd ? { cwd: options.cwd } : {}),
          ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
          ...(settings.prometheusUrl ? { prometheusUrl: settings.prometheusUrl } : {}),
          ...(options.log ? { log: options.log } : {}),
        },
      };
    case 'local':
      // A replica that never becomes healthy leaves the rest running, so the gate can still check
      // what serves (and say which replica failed); the gate's teardown stops it either way.
      return { kind: 'local', local: { keepRunningOnBootFailure: true } };
    case 'external':
      return {
        kind: 'external',
        external: {
          // The schema refuses `external` without a base URL; this only narrows the type.
          baseUrl: settings.baseUrl ?? '',
          // With a Prometheus, the api replicas are the targets of the scrape job named like the service.
          apiService: settings.apiService,
          ...(settings.prometheusUrl ? { prometheusUrl: settings.prometheusUrl } : {}),
        },
      };
  }
}
