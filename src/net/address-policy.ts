/**
 * Which addresses a tenant-supplied URL may reach: public unicast only. ipaddr.js classifies the
 * ranges (loopback, private, link-local with the cloud metadata address 169.254.169.254, unique
 * local, carrier-grade NAT, multicast, reserved, …); IPv4-mapped IPv6 is judged as the IPv4 it maps.
 * Odd spellings (2130706433, 0x7f000001, 0177.0.0.1) never reach here: the WHATWG URL parser writes
 * them as dotted quads, and the operating system's resolver answers with canonical addresses.
 */
import ipaddr from 'ipaddr.js';

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

export interface OutboundPolicy {
  /** Development and tests only: loopback (127.0.0.0/8, ::1) is allowed; nothing else private is. */
  readonly allowLoopback?: boolean;
}

/** The range name of a refused address, or undefined when the address may be reached. */
export function refusedRange(address: string, policy: OutboundPolicy = {}): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  // process(): an IPv4-mapped IPv6 address (::ffff:7f00:1) becomes the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  // Deprecated IPv4-compatible IPv6 (::7f00:1): ipaddr.js calls it unicast; some stacks reach IPv4.
  if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowLoopback === true) return undefined;
  return range;
}
