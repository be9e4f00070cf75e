/**
 * Several revocation sources as one: the embedded CA answers for its own certificates in-process,
 * and whatever it did not issue (an outside CA's user certificates, an accredited TSA's chain) is
 * asked of the next source, typically the online OCSP/CRL fetcher.
 */
import type { RevocationInformation, RevocationSource } from './validation-data.ts';

type Loadable = RevocationSource & { load?(): Promise<void> };

export function combinedRevocationSource(
  ...sources: readonly Loadable[]
): RevocationSource & { load(): Promise<void> } {
  const withIssuerLookup = sources.filter((s) => s.issuerOf !== undefined);
  return {
    /** Lets sources that fetch their CA certificates first (the embedded CA's) do so. */
    async load(): Promise<void> {
      for (const source of sources) await source.load?.();
    },
    get certificates() {
      return sources.flatMap((s) => s.certificates ?? []);
    },
    async revocationFor(certificate: Uint8Array, issuer: Uint8Array): Promise<RevocationInformation> {
      let last: unknown;
      for (const source of sources) {
        try {
          return await source.revocationFor(certificate, issuer);
        } catch (error) {
          last = error;
        }
      }
      throw last;
    },
    ...(withIssuerLookup.length === 0
      ? {}
      : {
          async issuerOf(certificate: Uint8Array): Promise<Uint8Array | undefined> {
            for (const source of withIssuerLookup) {
              const found = await source.issuerOf!(certificate);
              if (found !== undefined) return found;
            }
            return undefined;
          },
        }),
  };
}
