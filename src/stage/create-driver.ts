/**
 * The one place that turns "which stage" into a driver: compose (docker compose project), local
 * (processes on loopback) or external (a URL someone else runs). Everything after this sees only
 * the StageDriver interface.
 */
import { ComposeDriver, type ComposeDriverOptions } from './compose/compose-driver.js';
import { DRIVER_KINDS, type StageDriver } from './driver.js';
import { ExternalStageDriver, type ExternalStageOptions } from './external/external-driver.js';
import { LocalStageDriver, type LocalStageOptions } from './local/local-driver.js';

export type DriverChoice =
  | { kind: 'compose'; compose: ComposeDriverOptions }
  | { kind: 'local'; local?: LocalStageOptions }
  | { kind: 'external'; external: ExternalStageOptions };

export function createDriver(choice: { kind: 'compose'; compose: ComposeDriverOptions }): ComposeDriver;
export function createDriver(choice: { kind: 'local'; local?: LocalStageOptions }): LocalStageDriver;
export function createDriver(choice: {
  kind: 'external';
  external: ExternalStageOptions;
}): ExternalStageDriver;
export function createDriver(choice: DriverChoice): StageDriver;
export function createDriver(choice: DriverChoice): StageDriver {
  switch (choice.kind) {
    case 'compose':
      return new ComposeDriver(choice.compose);
    case 'local':
      return new LocalStageDriver(choice.local);
    case 'external':
      return new ExternalStageDriver(choice.external);
    default: {
      const unknown: never = choice;
      throw new Error(
        `unknown stage driver "${(unknown as { kind?: unknown }).kind}"; expected ${DRIVER_KINDS.slice(0, -1).join(', ')} or ${DRIVER_KINDS.at(-1)}`,
      );
    }
  }
}
