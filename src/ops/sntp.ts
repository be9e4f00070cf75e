/**
 * A minimal SNTP (RFC 4330) client over UDP. Hand-written because only the clock offset is needed
 * (one request, four timestamps) and the npm NTP clients either pull in more than that or are
 * unmaintained; the packet is 48 bytes with fixed fields.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { shomeiError } from '../errors/index.ts';

/** Seconds between the NTP epoch (1900-01-01) and the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;
const PACKET_BYTES = 48;

export interface SntpResult {
  /** Server clock minus local clock, milliseconds (positive: the local clock is behind). */
  readonly offsetMs: number;
  readonly roundTripMs: number;
  readonly stratum: number;
  readonly server: string;
  readonly measuredAt: Date;
}

/** Parses `host`, `host:port` or `[v6]:port`; the default NTP port is 123. */
export function parseNtpServer(value: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6) return { host: v6[1]!, port: v6[2] === undefined ? 123 : Number(v6[2]) };
  if (isIP(value) === 6) return { host: value, port: 123 };
  const [host, port] = value.split(':');
  return { host: host!, port: port === undefined ? 123 : Number(port) };
}

function writeTimestamp(buffer: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET;
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  buffer.writeUInt32BE(seconds >>> 0, offset);
  buffer.writeUInt32BE(fraction >>> 0, offset + 4);
}

function readTimestamp(buffer: Buffer, offset: number): number {
  const seconds = buffer.readUInt32BE(offset);
  const fraction = buffer.readUInt32BE(offset + 4);
  return (seconds - NTP_UNIX_OFFSET) * 1000 + (fraction / 2 ** 32) * 1000;
}

function sntpError(code: string, ja: string, en: string, server: string): Error {
  return shomeiError(code, ja, en, { status: 503, details: { server } });
}

/** One SNTP exchange. Rejects bad replies (wrong origin, unsynchronised server, not a server reply). */
export async function querySntp(
  server: string,
  timeoutMs = 2000,
  now: () => number = Date.now,
): Promise<SntpResult> {
  const { host, port } = parseNtpServer(server);
  // Loaded when a clock check asks a server, not with every command that opens the clock guard (ADR 046).
  const dgram = await import('node:dgram');
  const request = Buffer.alloc(PACKET_BYTES);
  request[0] = (0 << 6) | (4 << 3) | 3; // LI 0, version 4, mode 3 (client)
  // The transmit timestamp is echoed as the reply's origin timestamp; random low bits make a
  // spoofed reply that was not sent for this request detectable (RFC 4330 section 5).
  const t1 = now();
  writeTimestamp(request, 40, t1);
  randomBytes(2).copy(request, 46);
  const origin = Buffer.from(request.subarray(40, 48));
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    const reply = await new Promise<{ packet: Buffer; t4: number }>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            sntpError(
              'SHOMEI_CLOCK_NTP_UNREACHABLE',
              `NTP サーバ ${server} から応答がありません。`,
              `The NTP server ${server} did not answer.`,
              server,
            ),
          ),
        timeoutMs,
      );
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('message', (packet) => {
        // Ignore anything that is not the reply to this request (wrong size or origin).
        if (packet.length < PACKET_BYTES || !packet.subarray(24, 32).equals(origin)) return;
        clearTimeout(timer);
        resolve({ packet, t4: now() });
      });
      socket.send(request, port, host, (error) => {
        if (error) {
          clearTimeout(timer);
          reject(error);
        }
      });
    });
    const { packet, t4 } = reply;
    const mode = packet[0]! & 0x07;
    const leap = packet[0]! >> 6;
    const stratum = packet[1]!;
    if (mode !== 4 || leap === 3 || stratum === 0 || stratum > 15) {
      throw sntpError(
        'SHOMEI_CLOCK_NTP_INVALID',
        `NTP サーバ ${server} の応答が同期済みサーバの応答ではありません。`,
        `The reply from NTP server ${server} is not from a synchronised server.`,
        server,
      );
    }
    const t2 = readTimestamp(packet, 32);
    const t3 = readTimestamp(packet, 40);
    return {
      offsetMs: (t2 - t1 + (t3 - t4)) / 2,
      roundTripMs: t4 - t1 - (t3 - t2),
      stratum,
      server,
      measuredAt: new Date(t4),
    };
  } finally {
    socket.close();
  }
}
