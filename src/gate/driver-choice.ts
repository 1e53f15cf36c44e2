/**
 * Which driver the options ask for, as the factory (src/stage/create-driver.ts) takes it. Pure, so the
 * CLI and the action build the same driver from the same settings; the entries call the factory.
 */
import type { DriverChoice } from '../stage/create-driver.js';
import { GATE_OPTIONS, parseGateSettings, type GateOptionName, type GateSettings } from './settings.js';

/** The options' defaults, to tell a value the user set from one left as it was. */
let defaults: GateSettings | undefined;

/**
 * The options (kebab-case) whose value differs from the default: "set". One set to its default value
 * reads as default, which is the same value from the same place.
 */
export function setOptionsOf(settings: GateSettings): string[] {
  defaults ??= parseGateSettings({});
  return GATE_OPTIONS.filter(
    (option) =>
      JSON.stringify(settings[option.name as GateOptionName]) !==
      JSON.stringify(defaults![option.name as GateOptionName]),
  ).map((option) => option.kebab);
}

export function driverChoiceFor(
  settings: GateSettings,
  options: { cwd?: string; log?: (text: string) => void } = {},
): DriverChoice {
  switch (settings.driver) {
    case 'compose': {
      // Left at their defaults, these are discovered from the file (and said so in the report).
      const set = setOptionsOf(settings);
      return {
        kind: 'compose',
        compose: {
          composeFile: settings.composeFile,
          ...(set.includes('project-name') ? { projectName: settings.projectName } : {}),
          apiService: settings.apiService,
          gatewayService: settings.gatewayService,
          ...(set.includes('required-services') ? { requiredServices: settings.requiredServices } : {}),
          referenceServices: parseGateSettings({}).requiredServices,
          setOptions: set,
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
    }
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
          gatewayService: settings.gatewayService,
          ...(settings.prometheusUrl ? { prometheusUrl: settings.prometheusUrl } : {}),
          ...(options.log ? { log: options.log } : {}),
        },
      };
  }
}
