/** The checks by id, in the order they run. */
import type { CheckId } from '../report/model.js';
import type { Check } from './check-context.js';
import { chatCapacityCheck } from './chat-capacity/chat-capacity.js';
import { loadBalancingCheck } from './load-balancing.js';
import { narratorSaturationCheck } from './narrator-saturation.js';
import { planCacheSingleFlightCheck } from './plan-cache-single-flight.js';
import { privateIsolationCheck } from './private-isolation.js';
import { stageUpCheck } from './stage-up.js';

export const CHECKS: Record<CheckId, Check> = {
  'stage-up': stageUpCheck,
  'load-balancing': loadBalancingCheck,
  'plan-cache-single-flight': planCacheSingleFlightCheck,
  'private-isolation': privateIsolationCheck,
  'narrator-saturation': narratorSaturationCheck,
  'chat-capacity': chatCapacityCheck,
};

export type { CapacityOptions, Check, CheckContext, CheckOptions, CheckOutcome } from './check-context.js';
