/** `shomei rssp …`: client systems and signing credentials of the remote signature service (operators). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type AuthenticatedOperator,
  requestApproval,
  requirePrivilege,
  type Shomei,
} from '../../app/index.ts';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../../crypto/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

/** Day-to-day credential work: an authenticated operator holding credentials.manage (as the console). */
function asCredentialOperator<T>(
  work: (shomei: Shomei, operator: AuthenticatedOperator) => Promise<T>,
): Promise<T> {
  return withOperator(async (shomei, operator) => {
    await requirePrivilege(shomei, operator, 'credentials.manage');
    return work(shomei, operator);
  });
}

/** A certificate the embedded CA issued after RA approval, installed on the credential waiting for it. */
async function installFromEmbeddedCa(
  shomei: Shomei,
  credentialId: string,
  serial: string,
  operatorId: string,
): Promise<void> {
  const issued = await shomei.ca.get(serial);
  if (issued === undefined) {
    throw shomeiError(
      'SHOMEI_RSSP_CERTIFICATE_INVALID',
      `証明書 ${serial} がありません。`,
      `There is no certificate ${serial}.`,
      { status: 404 },
    );
  }
  await shomei.rssp.credentials.installCertificate(
    credentialId,
    issued.der,
    await shomei.ca.chain(),
    operatorId,
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRsspCommands(program: Command): void {
  const rssp = program
    .command('rssp')
    .description('Remote signature service (CSC API v2) / リモート署名サービス');
  registerClientCommand(rssp);
  registerCreateCredentialCommand(rssp);
  registerInstallCertificateCommand(rssp);
  registerCredentialListCommand(rssp);
  registerCredentialStateCommands(rssp);
}

function registerClientCommand(rssp: Command): void {
  rssp
    .command('register-client')
    .description('Register a client system (SCA); prints its id and secret once / クライアントシステムを登録')
    .requiredOption('--name <name>', 'name shown to users')
    .option('--redirect-uri <uri>', 'OAuth redirect URI (repeatable)', collect, [])
    .option('--tls-cert-sha256 <hex>', 'SHA-256 of the client TLS certificate (mutual TLS)')
    .option('--tenant <id>', 'tenant the client belongs to')
    .action(async (o: { name: string; redirectUri: string[]; tlsCertSha256?: string; tenant?: string }) => {
      await asCredentialOperator(async (shomei, operator) => {
        const registered = await shomei.rssp.clients.register(
          {
            name: o.name,
            redirectUris: o.redirectUri,
            ...(o.tlsCertSha256 === undefined ? {} : { tlsCertificateSha256: o.tlsCertSha256.toLowerCase() }),
            tenantId: o.tenant,
          },
          operator.userId,
        );
        printJson({ clientId: registered.clientId, clientSecret: registered.clientSecret });
      });
    });
}

interface CreateCredentialOptions {
  readonly user: string;
  readonly subject: string;
  readonly algorithm: string;
  readonly tenant?: string;
  readonly oauth2code?: boolean;
}

function registerCreateCredentialCommand(rssp: Command): void {
  rssp
    .command('create-credential')
    .description('Generate a signing key in the HSM for a user and request its certificate / 署名鍵を生成')
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--subject <dn>', 'certificate subject, e.g. "CN=山田 太郎, C=JP"')
    .option('--algorithm <alg>', `one of ${KEY_ALGORITHMS.join(', ')}`, 'EC-P256')
    .option('--tenant <id>', 'tenant id')
    .option('--oauth2code', 'authorise through the OAuth authorization page instead of credentials/authorize')
    .action(createCredential);
}

async function createCredential(o: CreateCredentialOptions): Promise<void> {
  if (!(KEY_ALGORITHMS as readonly string[]).includes(o.algorithm)) {
    throw shomeiError(
      'SHOMEI_BAD_REQUEST',
      `--algorithm が不正です: ${o.algorithm}`,
      `Invalid --algorithm: ${o.algorithm}`,
      { status: 400 },
    );
  }
  await asCredentialOperator(async (shomei) => {
    const created = await shomei.rssp.credentials.create({
      userId: o.user,
      algorithm: o.algorithm as KeyAlgorithm,
      subject: o.subject,
      tenantId: o.tenant,
      ...(o.oauth2code ? { authMode: 'oauth2code' as const } : {}),
    });
    printJson({
      credentialID: created.credential.credential_id,
      status: created.credential.status,
      certificateSerial: created.credential.cert_serial,
      csr: created.csr.toString('base64'),
    });
  });
}

function registerInstallCertificateCommand(rssp: Command): void {
  rssp
    .command('install-certificate')
    .description(
      'Install the certificate for a credential awaiting it, and activate: from the embedded CA (--serial) or an outside CA (--certificate PEM with its CA certificates, the manual path) / 証明書を設定し有効化',
    )
    .requiredOption('--credential <id>', 'credential id')
    .option('--serial <hex>', 'serial number of the certificate at the embedded CA')
    .option('--certificate <file>', 'PEM from the outside CA: the certificate, then its CA certificates')
    .action(async (o: { credential: string; serial?: string; certificate?: string }) => {
      if ((o.serial === undefined) === (o.certificate === undefined)) {
        throw shomeiError(
          'SHOMEI_CLI_USAGE',
          '--serial と --certificate のどちらか一方を指定してください。',
          'Give either --serial or --certificate.',
          { status: 400 },
        );
      }
      await asCredentialOperator(async (shomei, operator) => {
        if (o.certificate !== undefined) {
          // The manual CA path: checked against SHOMEI_CA_TRUSTED_CAS and the credential's key.
          await shomei.trust.installOutsideCertificate(
            shomei.rssp.credentials,
            o.credential,
            readFileSync(o.certificate),
            operator.userId,
          );
        } else await installFromEmbeddedCa(shomei, o.credential, o.serial ?? '', operator.userId);
        const credential = await shomei.rssp.credentials.require(o.credential);
        printJson({
          credentialID: credential.credential_id,
          status: credential.status,
          certificateSerial: credential.cert_serial,
        });
      });
    });
}

function registerCredentialListCommand(rssp: Command): void {
  rssp
    .command('list-credentials')
    .description("List a user's credentials / 利用者のクレデンシャルを一覧表示")
    .requiredOption('--user <id>', 'user id')
    .action(async (o: { user: string }) => {
      await withShomei(async (shomei) => {
        const list = await shomei.rssp.credentials.listForUser(o.user);
        printJson({
          credentials: list.map((c) => ({
            credentialID: c.credential_id,
            status: c.status,
            algorithm: c.key_algorithm,
            scal: c.scal,
            authMode: c.auth_mode,
            locked: c.locked_at !== null,
            certificateSerial: c.cert_serial,
            validTo: c.cert_not_after,
          })),
        });
      });
    });
}

/** Unlock, suspend and resume at once; revoke and end under dual control (they destroy the key). */
function registerCredentialStateCommands(rssp: Command): void {
  for (const [name, description] of [
    ['unlock', 'Unlock after failed PIN/OTP attempts / ロック解除'],
    ['suspend', 'Suspend / 一時停止'],
    ['resume', 'Resume / 再開'],
  ] as const) {
    rssp
      .command(`${name}-credential`)
      .description(description)
      .requiredOption('--credential <id>', 'credential id')
      .action(async (o: { credential: string }) => {
        await asCredentialOperator(async (shomei, operator) => {
          const service = shomei.rssp.credentials;
          if (name === 'unlock') await service.unlock(o.credential, operator.userId);
          else if (name === 'suspend') await service.suspend(o.credential, operator.userId);
          else await service.resume(o.credential, operator.userId);
          const c = await service.require(o.credential);
          printJson({
            credentialID: c.credential_id,
            status: c.status,
            locked: c.locked_at !== null,
            keyDestroyed: c.key_id === null,
          });
        });
      });
  }

  // Revocation destroys the key: dual control (credential.revoke), as from the console.
  for (const [name, reason, description] of [
    [
      'revoke',
      'unspecified',
      'Ask to revoke the certificate and destroy the key (dual control) / 失効と鍵破棄を依頼',
    ],
    [
      'end',
      'cessationOfOperation',
      'End of use: ask to revoke and destroy the key (dual control) / 利用終了を依頼',
    ],
  ] as const) {
    rssp
      .command(`${name}-credential`)
      .description(description)
      .requiredOption('--credential <id>', 'credential id')
      .action(async (o: { credential: string }) => {
        const request = await withOperator((shomei, operator) =>
          requestApproval(shomei, operator, 'credential.revoke', { credentialId: o.credential, reason }),
        );
        printJson({ request });
      });
  }
}
