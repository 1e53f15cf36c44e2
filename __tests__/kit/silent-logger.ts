import type { Logger } from '../../src/kit/json-logger.js';

/** A logger that drops everything, for tests of the API's and the simulator's modules. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
