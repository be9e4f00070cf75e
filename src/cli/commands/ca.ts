/** `shomei ca …`: the embedded development CA, its RA queue and the outside-CA hand-off (operators). */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AuthenticatedOperator, requestApproval, requirePrivilege } from '../../app/index.ts';
import type { AuditActor } from '../../audit/index.ts';
import {
  type ApplicationStatus,
  type AuthorityName,
  CERTIFICATE_PROFILES,
  type CertificateBasics,
  type CertificateProfile,
  type CertificateStatus,
  certificateBasics,
  REVOCATION_REASONS,
  type RevocationReason,
} from '../../ca/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { NAME_ATTRIBUTES, type NameAttribute, type NameAttributeType, toPem } from '../../pki/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

function usage(option: string, expected: string): Error {
  return shomeiError(
    'SHOMEI_CLI_USAGE',
    `${option} が不正です: ${expected}`,
    `${option} is invalid: ${expected}`,
    {
      status: 400,
      details: { option },
    },
  );
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw usage(option, allowed.join(', '));
  return value as T;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The authenticated operator as the CA and RA record them. */
function actor(operator: AuthenticatedOperator): AuditActor {
  return { kind: 'user', id: operator.userId };
}

/** `/C=JP/O=株式会社サンプル/CN=山田 太郎` (most significant first, as openssl -subj). */
export function parseSubjectOption(text: string): NameAttribute[] {
  if (!text.startsWith('/')) throw usage('--subject', '/C=JP/O=…/CN=…');
  return text
    .slice(1)
    .split(/(?<!\\)\//)
    .map((part) => {
      const eq = part.indexOf('=');
      const type = part.slice(0, eq);
      if (eq < 1 || !(type in NAME_ATTRIBUTES)) throw usage('--subject', `unknown attribute in "${part}"`);
      return { type: type as NameAttributeType, value: part.slice(eq + 1).replace(/\\\//g, '/') };
    });
}

function output(text: string | Buffer, file?: string): void {
  if (file === undefined) process.stdout.write(text);
  else writeFileSync(file, text);
}

function describeCertificate(
  c: CertificateBasics & {
    keyId?: string | undefined;
    revokedAt?: Date | undefined;
    revocationReason?: string | undefined;
  },
): Record<string, unknown> {
  return {
    ...certificateBasics(c),
    keyId: c.keyId,
    revokedAt: c.revokedAt?.toISOString(),
    revocationReason: c.revocationReason,
  };
}

export function registerCaCommands(program: Command): void {
  const ca = program
    .command('ca')
    .description('Embedded development CA, RA queue, outside CA / 組み込み認証局・登録局・外部認証局');
  registerCertificateOutputCommands(ca);
  registerIssueCommand(ca);
  registerRevokeAndListCommands(ca);
  registerRaCommands(ca);
  registerExternalCaCommands(ca);
}

/** The CA's own certificates as PEM (anyone may read them). */
function registerCertificateOutputCommands(ca: Command): void {
  ca.command('root')
    .description('Print the embedded root CA certificate (PEM) / ルート CA 証明書を表示')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { out?: string }) => {
      await withShomei(async (shomei) =>
        output(toPem(await shomei.ca.certificate('root'), 'CERTIFICATE'), o.out),
      );
    });

  ca.command('chain')
    .description('Print the issuing CA and root certificates (PEM) / 発行 CA とルートの証明書を表示')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { out?: string }) => {
      await withShomei(async (shomei) =>
        output((await shomei.ca.chain()).map((der) => toPem(der, 'CERTIFICATE')).join(''), o.out),
      );
    });
}

interface IssueOptions {
  readonly csr: string;
  readonly profile: string;
  readonly subject?: string;
  readonly dns: string[];
  readonly email: string[];
  readonly days?: string;
  readonly out?: string;
}

function registerIssueCommand(ca: Command): void {
  ca.command('issue')
    .description('Issue a certificate from a CSR file for a key in our HSM / CSR から証明書を発行')
    .requiredOption('--csr <file>', 'PKCS#10 request, PEM or DER')
    .requiredOption('--profile <profile>', CERTIFICATE_PROFILES.join(', '))
    .option('--subject <dn>', 'subject to certify, /C=JP/O=…/CN=… (default: the CSR subject)')
    .option('--dns <name>', 'subjectAltName DNS name (repeatable)', collect, [])
    .option('--email <address>', 'subjectAltName e-mail (repeatable)', collect, [])
    .option('--days <n>', 'validity in days (default per profile)')
    .option('--out <file>', 'write the certificate (PEM) to a file')
    .action(issueFromCsr);
}

async function issueFromCsr(o: IssueOptions): Promise<void> {
  const profile = oneOf<CertificateProfile>('--profile', o.profile, CERTIFICATE_PROFILES);
  const days = o.days === undefined ? undefined : Number(o.days);
  if (days !== undefined && !Number.isInteger(days)) throw usage('--days', 'a whole number');
  const csr = readFileSync(o.csr);
  await withOperator(async (shomei, operator) => {
    await requirePrivilege(shomei, operator, 'certificates.manage');
    const issued = await shomei.ca.issue({
      csr,
      profile,
      subject: o.subject === undefined ? undefined : parseSubjectOption(o.subject),
      altNames: { dnsNames: o.dns, emailAddresses: o.email },
      validityDays: days,
      actor: actor(operator),
    });
    output(toPem(issued.der, 'CERTIFICATE'), o.out);
    if (o.out !== undefined) printJson(describeCertificate(issued));
  });
}

/** Revocation under dual control, the certificate list and the CRLs. */
function registerRevokeAndListCommands(ca: Command): void {
  ca.command('revoke')
    .description(
      'Ask for a certificate to be revoked (dual control: certificate.revoke) / 証明書の失効を依頼 (二者承認)',
    )
    .argument('<serial>', 'serial number (hex)')
    .requiredOption('--reason <reason>', REVOCATION_REASONS.join(', '))
    .action(async (serial: string, o: { reason: string }) => {
      const reason = oneOf<RevocationReason>('--reason', o.reason, REVOCATION_REASONS);
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, 'certificate.revoke', { serialNumber: serial, reason }),
      );
      printJson({ request });
    });

  ca.command('list')
    .description('List certificates / 証明書の一覧')
    .option('--status <status>', 'valid or revoked')
    .option('--profile <profile>', `${CERTIFICATE_PROFILES.join(', ')}, ca, imported`)
    .action(async (o: { status?: string; profile?: string }) => {
      const status =
        o.status === undefined
          ? undefined
          : oneOf<CertificateStatus>('--status', o.status, ['valid', 'revoked']);
      const profile =
        o.profile === undefined
          ? undefined
          : oneOf('--profile', o.profile, [...CERTIFICATE_PROFILES, 'ca', 'imported'] as const);
      await withShomei(async (shomei) => {
        const list = await shomei.ca.list({
          status,
          profile,
        });
        printJson({ certificates: list.map(describeCertificate) });
      });
    });

  ca.command('crl')
    .description('Print the current CRL (PEM) / 現在の CRL を表示')
    .option('--issuer <name>', 'issuing or root', 'issuing')
    .option('--out <file>', 'write DER to a file instead of PEM to stdout')
    .action(async (o: { issuer: string; out?: string }) => {
      const issuer = oneOf<AuthorityName>('--issuer', o.issuer, ['issuing', 'root']);
      await withShomei(async (shomei) => {
        const der = await shomei.ca.crl(issuer);
        if (o.out === undefined) output(toPem(der, 'X509 CRL'));
        else output(der, o.out);
      });
    });
}

function registerRaCommands(ca: Command): void {
  const ra = ca.command('ra').description('RA approval queue / 登録局の審査キュー');
  ra.command('list')
    .description('List applications / 申請の一覧')
    .option('--status <status>', 'pending, approved or rejected')
    .action(async (o: { status?: string }) => {
      const status =
        o.status === undefined
          ? undefined
          : oneOf<ApplicationStatus>('--status', o.status, ['pending', 'approved', 'rejected']);
      await withShomei(async (shomei) => printJson({ applications: await shomei.ra.list(status) }));
    });
  ra.command('approve')
    .description('Approve an application and issue its certificate / 申請を承認して証明書を発行')
    .argument('<id>', 'application id')
    .action(async (id: string) => {
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'identity.applications.decide');
        const { application, certificate } = await shomei.ra.approve(id, actor(operator));
        printJson({ application, certificate: describeCertificate(certificate) });
      });
    });
  ra.command('reject')
    .description('Reject an application / 申請を却下')
    .argument('<id>', 'application id')
    .requiredOption('--reason <text>', 'why (recorded)')
    .action(async (id: string, o: { reason: string }) => {
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'identity.applications.decide');
        printJson(await shomei.ra.reject(id, actor(operator), o.reason));
      });
    });
}

function registerExternalCaCommands(ca: Command): void {
  const external = ca.command('external').description('Outside CA hand-off / 外部認証局との連携');
  external
    .command('csr')
    .description('Write a CSR for an HSM key, for an outside CA / HSM 鍵の CSR を出力')
    .requiredOption('--key <keyId>', 'HSM key id (hex CKA_ID)')
    .requiredOption('--subject <dn>', '/C=JP/O=…/CN=…')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { key: string; subject: string; out?: string }) => {
      const subject = parseSubjectOption(o.subject);
      await withShomei(async (shomei) => output(await shomei.externalCa.exportCsr(o.key, subject), o.out));
    });
  external
    .command('import')
    .description('Import the certificate an outside CA issued for an HSM key / 外部 CA の証明書を取り込み')
    .requiredOption('--key <keyId>', 'HSM key id the certificate is for')
    .requiredOption('--cert <file>', 'PEM: the certificate, optionally followed by its CA certificates')
    .action(async (o: { key: string; cert: string }) => {
      const pem = readFileSync(o.cert);
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'certificates.manage');
        printJson(
          describeCertificate(await shomei.externalCa.importCertificate(o.key, pem, actor(operator))),
        );
      });
    });
}
