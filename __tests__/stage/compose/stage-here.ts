/**
 * The compose stage as this machine can boot it: the reference file (the gate's default), and every
 * service of it but Grafana and Tempo, whose images cannot be had here (no registry).
 */
import { GateSettingsSchema } from '../../../src/gate/settings.js';

export const COMPOSE_FILE = GateSettingsSchema.parse({}).composeFile;
export const BOOTABLE_SERVICES = ['api', 'gateway', 'redis', 'ollama', 'prometheus'];
