/**
 * Which CA and which TSA each signing path uses, read from the live configuration (issue #17).
 * The production gate (src/ops, issue #22) and `shomei compliance report` read this one answer,
 * so what is enforced and what is reported cannot drift apart.
 */
import { loadCredentialCaSettings } from '../ca/index.ts';
import { loadExternalTsaSettings } from '../tsa/index.ts';

export type TrustPathName =
  | 'csc-credentials'
  | 'csc-timestamps'
  | 'contracts-e-seal'
  | 'contracts-timestamps'
  | 'archive-renewal'
  | 'cli-sign'
  | 'audit-checkpoints';

export interface TrustPath {
  readonly path: TrustPathName;
  readonly label: { readonly ja: string; readonly en: string };
  /** The CA that certifies the signing key on this path; undefined where no certificate is issued. */
  readonly ca?: {
    readonly kind: 'embedded' | 'manual' | 'cfssl';
    readonly outside: boolean;
    readonly where: string;
  };
  /** The TSA whose tokens this path carries; undefined where the path takes no timestamp. */
  readonly tsa?: { readonly kind: 'embedded' | 'outside'; readonly outside: boolean; readonly where: string };
}

export function trustPaths(env: NodeJS.ProcessEnv = process.env): TrustPath[] {
  const outsideTsa = loadExternalTsaSettings(env);
  const tsa: TrustPath['tsa'] =
    outsideTsa === undefined
      ? { kind: 'embedded', outside: false, where: 'embedded TSA (not accredited)' }
      : { kind: 'outside', outside: true, where: new URL(outsideTsa.url).origin };
  const credentials = loadCredentialCaSettings(env);
  const credentialCa: TrustPath['ca'] =
    credentials.kind === 'cfssl'
      ? { kind: 'cfssl', outside: true, where: new URL(credentials.cfssl!.url).origin }
      : credentials.kind === 'manual'
        ? { kind: 'manual', outside: true, where: 'outside CA (manual CSR hand-off)' }
        : { kind: 'embedded', outside: false, where: 'embedded CA' };
  // The provider's e-seal is certified by the embedded CA's e-seal profile (an imported outside
  // certificate is reported by the compliance report from the certificate table).
  const eSealCa: TrustPath['ca'] = {
    kind: 'embedded',
    outside: false,
    where: 'embedded CA (e-seal profile)',
  };
  const t = (ja: string, en: string) => ({ ja, en });
  return [
    { path: 'csc-credentials', label: t('CSC 利用者署名', 'CSC user signatures'), ca: credentialCa, tsa },
    { path: 'csc-timestamps', label: t('CSC タイムスタンプ', 'CSC signatures/timestamp'), tsa },
    {
      path: 'contracts-e-seal',
      label: t('電子契約 e シール (立会人型)', 'e-contract e-seal (witness type)'),
      ca: eSealCa,
      tsa,
    },
    {
      path: 'contracts-timestamps',
      label: t('電子契約 完了・文書タイムスタンプ', 'e-contract completion and document timestamps'),
      tsa,
    },
    { path: 'archive-renewal', label: t('アーカイブタイムスタンプ更新', 'archive timestamp renewal'), tsa },
    { path: 'cli-sign', label: t('shomei sign', 'shomei sign'), ca: eSealCa, tsa },
    { path: 'audit-checkpoints', label: t('監査チェックポイント', 'audit checkpoints'), tsa },
  ];
}
