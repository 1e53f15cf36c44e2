/** HTTP-level names shared by the API, the gateway config and the gate. */

/** Response header carrying the identity of the replica that answered. */
export const REPLICA_HEADER = 'x-replica-id';
/** Response header echoing the request id (also in `meta.request_id` and the log line). */
export const REQUEST_ID_HEADER = 'x-request-id';

export const ROUTES = {
  ask: '/ask',
  healthz: '/healthz',
  metrics: '/metrics',
} as const;

/** Status a client can act on when the narrator is saturated: retry later. */
export const LLM_LIMITED_STATUS = 503;
