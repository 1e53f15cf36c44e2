/** CLI entry (`npx stagegate`, `npm run gate:local`): wires the real driver factory into runCli. */
import { driverChoiceFor } from '../gate/driver-choice.js';
import { createDriver } from '../stage/create-driver.js';
import { runCli } from './run-cli.js';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  createDriver: (settings, log) => createDriver(driverChoiceFor(settings, { log })),
}).then((code) => {
  process.exitCode = code;
  // Everything was torn down; a handle left open somewhere must not keep the CLI from exiting.
  setTimeout(() => process.exit(code), 1000).unref();
});
