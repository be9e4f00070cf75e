/** A tiny SNTP server on 127.0.0.1 for tests: answers with the local time shifted by `offsetMs`. */
import dgram from 'node:dgram';

const NTP_UNIX_OFFSET = 2_208_988_800;

function writeTimestamp(buffer: Buffer, at: number, ms: number): void {
  buffer.writeUInt32BE(Math.floor(ms / 1000) + NTP_UNIX_OFFSET, at);
  buffer.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 2 ** 32) >>> 0, at + 4);
}

export type ResponderMode = 'normal' | 'wrong-origin' | 'kiss-of-death' | 'short' | 'silent';

export interface SntpResponder {
  readonly address: string;
  offsetMs: number;
  mode: ResponderMode;
  close(): Promise<void>;
}

export async function startSntpResponder(offsetMs = 0): Promise<SntpResponder> {
  const socket = dgram.createSocket('udp4');
  const responder: SntpResponder = {
    address: '',
    offsetMs,
    mode: 'normal',
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (request, peer) => {
    if (responder.mode === 'silent' || request.length < 48) return;
    if (responder.mode === 'short') {
      socket.send(Buffer.alloc(20), peer.port, peer.address);
      return;
    }
    const reply = Buffer.alloc(48);
    reply[0] = (0 << 6) | (4 << 3) | 4; // LI 0, version 4, mode 4 (server)
    reply[1] = responder.mode === 'kiss-of-death' ? 0 : 2;
    reply[2] = request[2]!;
    reply[3] = 0xec;
    // Origin timestamp: the client's transmit timestamp, echoed (or not, for the hostile case).
    if (responder.mode === 'wrong-origin') writeTimestamp(reply, 24, Date.now() - 5000);
    else request.copy(reply, 24, 40, 48);
    const now = Date.now() + responder.offsetMs;
    writeTimestamp(reply, 16, now);
    writeTimestamp(reply, 32, now);
    writeTimestamp(reply, 40, now);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  Object.assign(responder, { address: `127.0.0.1:${socket.address().port}` });
  return responder;
}
