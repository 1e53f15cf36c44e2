/**
 * The names and addresses of a compose stage, declared once: the compose driver checks names against
 * these patterns and the gate's options are validated with the same ones.
 */

/** A compose service name. */
export const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A compose project name (lowercase letters, digits, - and _). */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Where the reference compose file (deploy/docker/docker-compose.stage.yaml) publishes the gateway.
 * Not a fallback: the compose driver discovers the URL from the port the gateway service publishes;
 * this is only what that discovery finds on the reference file, for the docs.
 */
export const COMPOSE_DEFAULT_BASE_URL = 'http://127.0.0.1:8000';

/** Log lines of each failing service quoted when a boot fails (the `boot-failure-log-lines` default). */
export const COMPOSE_FAILURE_LOG_LINES = 60;
