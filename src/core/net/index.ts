/** Outbound HTTP to Halo: the address policy, the guarded dispatcher, the request helper. */
export { checkAddress, classifyAddress } from './check-address.js';
export type { AddressKind, AddressVerdict } from './check-address.js';
export { checkHaloUrl, describeUrlProblem, hostOf, inspectHaloUrl } from './check-halo-url.js';
export type { HaloUrlPolicy, HaloUrlProblem, HaloUrlVerdict } from './check-halo-url.js';
export { createHaloDispatcher, HaloDispatcher } from './create-halo-dispatcher.js';
export type {
  HaloDispatcherOptions,
  PreconnectOptions,
  PreconnectOutcome,
  ResolveHost,
  ResolvedAddress,
} from './create-halo-dispatcher.js';
export { HaloNetworkError } from './halo-network-error.js';
export type { NetworkFailureReason } from './halo-network-error.js';
export { haloRequest } from './halo-request.js';
export type { HaloRequestOptions, HaloResponse } from './halo-request.js';
