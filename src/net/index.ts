/**
 * net: outbound connections to addresses users supply (webhooks) — public unicast only, checked when
 * the URL is registered and again at connect time; answers read up to a limit. Low in the dependency order (needs only errors).
 */
export { type OutboundPolicy, refusedRange } from './address-policy.ts';
export { readLimitedBody } from './limited-body.ts';
export {
  checkOutboundUrl,
  guardedLookup,
  guardedPost,
  MAX_OUTBOUND_URL_LENGTH,
  type OutboundResponse,
} from './outbound.ts';
