/**
 * Renewing the embedded TSA's key and certificate, assembled here because it spans three modules:
 * the TSA (unit and history), the CA (certificate, profile tsa, named per src/ca/naming.ts) and the
 * key registry. Reached from `shomei tsa renew` (two named people, offline) and from the operator
 * console as the dual-control kind `tsa.renew` (PS 4.2.2, 4.2.8–4.2.10: provider keys under dual control).
 */
import type { DualControlExecutor } from '../admin/index.ts';
import type { TsaRenewal, TsaRenewalRequest } from '../tsa/index.ts';
import type { Shomei } from './shomei.ts';

export function renewTsa(shomei: Shomei, request: TsaRenewalRequest): Promise<TsaRenewal> {
  const { ca } = shomei;
  return shomei.tsa.renew(
    {
      keys: shomei.keys,
      issueCertificate: async (csr) => ({
        certificate: (
          await ca.issue({ csr, profile: 'tsa', actor: { kind: 'operator', id: request.operator } })
        ).der,
        chain: await ca.chain(),
      }),
      naming: () => ({ subject: ca.naming().tsa, keyLabel: `${ca.naming().keyLabelPrefix}tsa` }),
    },
    request,
  );
}

/** The operator console's `tsa.renew`: an administrator asks, a security officer approves (like key.activate). */
export function tsaRenewExecutor(shomei: Shomei): DualControlExecutor {
  return {
    description: { ja: 'TSA 鍵・証明書の更新', en: 'Renew the TSA key and certificate' },
    requesters: ['system_administrator'],
    approvers: ['security_officer'],
    parse: () => ({}),
    async precheck() {
      await shomei.tsa.status();
      shomei.ca.naming();
    },
    async execute(_payload, context) {
      const renewal = await renewTsa(shomei, {
        operator: context.requestedBy,
        approvedBy: context.approvedBy,
        requestId: context.requestId,
      });
      return {
        previousCertificate: renewal.previous.serialNumber,
        certificate: renewal.current.serialNumber,
        keyId: renewal.current.keyId,
        notAfter: renewal.current.notAfter,
        previousKey: renewal.previousKey,
      };
    },
  };
}
