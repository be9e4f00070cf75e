/**
 * The customers of bench/envelopes.ts, in a child process of their own (forked by it, IPC channel):
 * the sender and the outside party speak to the server only over loopback HTTP, so that the server
 * process's CPU and its main thread's event-loop delay are the server's alone (issue #20 Deliver 3;
 * before, this client ran on the server's main thread).
 *
 * One envelope: the sender (password + TOTP) creates it with one small PDF and two parties in
 * sequential order, uploads, sends; party A signs signer-type (PIN + the TOTP code of a step its
 * credential has not used + SAD, RSSP signHash), then party B takes the link from the development
 * outbox, opens it with the access code and signs witness-type, which completes the envelope.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generate } from 'otplib';
import { HttpClient, type HttpResponse } from '../test/ops/http-client.ts';
import type { ClientRequest, ClientSetup, SliceResult } from './envelopes-protocol.ts';

const PIN = '246810';

/** The TOTP code of a given 30-second step. */
const codeAt = (secret: string, step: number): Promise<string> => generate({ secret, epoch: step * 30 + 1 });
const stepNow = (): number => Math.floor(Date.now() / 30_000);

function expect(response: HttpResponse, status: number, what: string): HttpResponse {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.text()}`);
  return response;
}

interface PooledCredential {
  readonly id: string;
  readonly totp: string;
  lastStep: number;
  busy: boolean;
}

/** What one slice measured, from the client's side. */
class SliceTally {
  count = 0;
  latencySeconds = 0;
  credentialWaitMs = 0;
  readonly steps = new Map<string, number>();

  async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.steps.set(name, (this.steps.get(name) ?? 0) + (performance.now() - start) / 1000);
    }
  }
}

class Customers {
  private readonly sender = new HttpClient();
  private readonly pool: PooledCredential[];
  private readonly pdf: Buffer;
  private serial = 0;
  lastCompleted: { envelopeId: string; documentId: string } | undefined;

  constructor(private readonly setup: ClientSetup) {
    this.pool = setup.credentials.map((c) => ({ ...c, lastStep: 0, busy: false }));
    this.pdf = readFileSync(setup.pdfFile);
  }

  async logIn(): Promise<void> {
    const { base, email, password, totp } = this.setup;
    expect(await this.sender.send(base, 'POST', '/api/auth/login', { email, password }), 200, 'login');
    const code = await codeAt(totp, stepNow());
    expect(await this.sender.send(base, 'POST', '/api/auth/login/totp', { code }), 200, 'login TOTP');
  }

  /** A credential whose next TOTP step (now or the next one, both accepted ±1 step) is unused. */
  private async acquireCredential(tally: SliceTally): Promise<PooledCredential> {
    const start = performance.now();
    for (;;) {
      const now = stepNow();
      const free = this.pool
        .filter((c) => !c.busy && c.lastStep <= now)
        .sort((x, y) => x.lastStep - y.lastStep)[0];
      if (free !== undefined) {
        free.busy = true;
        tally.credentialWaitMs += performance.now() - start;
        return free;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** One envelope from creation to completion, through the API only. */
  async envelope(tally: SliceTally): Promise<void> {
    this.serial += 1;
    const n = this.serial;
    const started = performance.now();
    const witness = `party${n}@b.example`;
    const credential = await this.acquireCredential(tally);
    let sent: { envelopeId: string; accessCode: string };
    try {
      sent = await this.createAndSend(tally, n, credential.id, witness);
      await this.signAsA(tally, sent.envelopeId, credential);
    } finally {
      credential.busy = false;
    }
    await this.signAsB(tally, sent.envelopeId, witness, sent.accessCode);
    const done = expect(
      await this.sender.send(this.setup.base, 'GET', `/api/envelopes/${sent.envelopeId}`),
      200,
      'view',
    );
    const final = done.json<{ status: string; documents: { id: string }[] }>();
    if (final.status !== 'completed') throw new Error(`envelope ${sent.envelopeId} is ${final.status}`);
    this.lastCompleted = { envelopeId: sent.envelopeId, documentId: final.documents[0]!.id };
    tally.latencySeconds += (performance.now() - started) / 1000;
  }

  private async createAndSend(
    tally: SliceTally,
    n: number,
    credentialId: string,
    witness: string,
  ): Promise<{ envelopeId: string; accessCode: string }> {
    const { base, senderId } = this.setup;
    const made = await tally.timed('create', () =>
      this.sender.send(base, 'POST', '/api/envelopes', {
        title: `業務委託契約書 ${n}`,
        counterparty: 'B株式会社',
        transactionDate: '2026-11-20',
        amount: 1_000_000 + n,
        signingOrder: 'sequential',
        parties: [
          {
            ...{ role: 'signer', signingMode: 'signer-type', userId: senderId, credentialId, order: 1 },
            placement: { page: 0, rect: [60, 60, 260, 140] },
          },
          {
            ...{ role: 'signer', signingMode: 'witness-type', email: witness, name: '佐藤 花子' },
            ...{ company: 'B株式会社', order: 2, placement: { page: 0, rect: [320, 60, 520, 140] } },
          },
        ],
      }),
    );
    const envelopeId = expect(made, 201, 'create').json<{ id: string }>().id;
    const documents = `/api/envelopes/${envelopeId}/documents?name=contract-${n}.pdf`;
    const upload = { raw: this.pdf, contentType: 'application/pdf' };
    expect(
      await tally.timed('upload', () => this.sender.send(base, 'POST', documents, undefined, upload)),
      201,
      'upload',
    );
    const sent = expect(
      await tally.timed('send', () => this.sender.send(base, 'POST', `/api/envelopes/${envelopeId}/send`)),
      200,
      'send',
    );
    const accessCode = sent.json<{ accessCodes: { accessCode: string }[] }>().accessCodes[0]!.accessCode;
    return { envelopeId, accessCode };
  }

  /** Party A, signer-type: PIN + the TOTP code of a step this credential has not used yet. */
  private async signAsA(tally: SliceTally, envelopeId: string, credential: PooledCredential): Promise<void> {
    const base = this.setup.base;
    const view = expect(await this.sender.send(base, 'GET', `/api/envelopes/${envelopeId}`), 200, 'view');
    const hashes = view.json<{ documents: { sha256: string }[] }>().documents.map((d) => d.sha256);
    const step = Math.max(credential.lastStep + 1, stepNow());
    credential.lastStep = step;
    const otp = await codeAt(credential.totp, step);
    const body = { pin: PIN, otp, documentSha256: hashes };
    const signed = await tally.timed('A sign/signer', () =>
      this.sender.send(base, 'POST', `/api/envelopes/${envelopeId}/sign/signer`, body),
    );
    expect(signed, 200, 'sign/signer');
  }

  /** Party B, witness-type: its turn came with A's act; the link is in the outbox. */
  private async signAsB(tally: SliceTally, envelopeId: string, witness: string, accessCode: string) {
    const base = this.setup.base;
    const token = await this.signingLink(tally, witness);
    const b = new HttpClient();
    const opened = expect(
      await tally.timed('B sign/open', () => b.send(base, 'POST', '/api/sign/open', { token, accessCode })),
      200,
      'open',
    );
    b.headers['x-shomei-party'] = opened.json<{ partyToken: string }>().partyToken;
    const confirmation = expect(
      await b.send(base, 'GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
      200,
      'confirmation',
    );
    const reviewed = confirmation.json<{ documents: { sha256: string }[] }>().documents.map((d) => d.sha256);
    const body = { confirmed: true, lang: 'ja', documentSha256: reviewed };
    const signed = await tally.timed('B sign/witness + completion', () =>
      b.send(base, 'POST', `/api/envelopes/${envelopeId}/sign/witness`, body),
    );
    expect(signed, 200, 'sign/witness');
  }

  /**
   * The signing link mailed to the witness. The newest 30 messages hold it: it was sent by A's act,
   * and at most a few envelopes' mails (~4 each) came since; a smaller page keeps this bench-only
   * request from weighing on the server's figures.
   */
  private async signingLink(tally: SliceTally, witness: string): Promise<string> {
    for (let tries = 0; ; tries += 1) {
      const outbox = expect(
        await tally.timed('B outbox', () =>
          this.sender.send(this.setup.base, 'GET', '/dev/outbox?format=json&limit=30'),
        ),
        200,
        'outbox',
      );
      const mail = outbox
        .json<{ messages: { to: string; text: string }[] }>()
        .messages.find((m) => m.to === witness);
      const token = mail === undefined ? undefined : /\/sign\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      if (token !== undefined) return token;
      if (tries > 50) throw new Error(`no signing link mailed to ${witness}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs envelopes on `concurrency` loops until `seconds` have passed (at least one each). */
  async slice(concurrency: number, seconds: number): Promise<SliceResult> {
    const tally = new SliceTally();
    const cpu = process.cpuUsage();
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        do {
          await this.envelope(tally);
          tally.count += 1;
        } while (performance.now() < end);
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      count: tally.count,
      latencySeconds: tally.latencySeconds,
      credentialWaitMs: tally.credentialWaitMs,
      steps: [...tally.steps],
      clientCpuMs: (used.user + used.system) / 1000,
    };
  }

  /** Writes the last completed envelope's PDF to `file`. */
  async download(file: string): Promise<{ envelopeId: string; bytes: number }> {
    const last = this.lastCompleted;
    if (last === undefined) throw new Error('no envelope completed');
    const url = `/api/envelopes/${last.envelopeId}/documents/${last.documentId}`;
    const body = expect(await this.sender.send(this.setup.base, 'GET', url), 200, 'download').body;
    writeFileSync(file, body);
    return { envelopeId: last.envelopeId, bytes: body.length };
  }
}

let customers: Customers | undefined;
async function answer(request: ClientRequest): Promise<unknown> {
  switch (request.type) {
    case 'setup':
      customers = new Customers(request.setup);
      await customers.logIn();
      return {};
    case 'slice':
      return customers!.slice(request.concurrency, request.seconds);
    case 'download':
      return customers!.download(request.file);
  }
}

process.on('message', (request: ClientRequest) => {
  answer(request).then(
    (result) => process.send!({ id: request.id, ok: true, result }),
    (error: unknown) =>
      process.send!({ id: request.id, ok: false, error: String((error as Error)?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
