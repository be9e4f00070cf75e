/** Test-side readers for timestamp tokens inside a CMS (written with asn1js, apart from src/ades). */
import * as asn1js from 'asn1js';

const SIGNATURE_TIME_STAMP = '1.2.840.113549.1.9.16.2.14';

function signerInfoOf(cms: Uint8Array): asn1js.Sequence {
  const parsed = asn1js.fromBER(new Uint8Array(cms));
  const contentInfo = parsed.result as asn1js.Sequence;
  const signedData = (contentInfo.valueBlock.value[1] as asn1js.Constructed).valueBlock
    .value[0] as asn1js.Sequence;
  const fields = signedData.valueBlock.value;
  const signerInfos = fields[fields.length - 1] as asn1js.Set;
  return signerInfos.valueBlock.value[0] as asn1js.Sequence;
}

/** The unsigned attributes of the only SignerInfo: [type OID, values (DER each)][]. */
export function unsignedAttributes(cms: Uint8Array): { type: string; values: Buffer[] }[] {
  const fields = signerInfoOf(cms).valueBlock.value;
  const last = fields[fields.length - 1]!;
  if (last.idBlock.tagClass !== 3 || last.idBlock.tagNumber !== 1) return [];
  return (last as asn1js.Constructed).valueBlock.value.map((attribute) => {
    const [type, values] = (attribute as asn1js.Sequence).valueBlock.value;
    return {
      type: (type as asn1js.ObjectIdentifier).valueBlock.toString(),
      values: (values as asn1js.Set).valueBlock.value.map((v) => Buffer.from(v.toBER())),
    };
  });
}

export function signatureValueOf(cms: Uint8Array): Buffer {
  const fields = signerInfoOf(cms).valueBlock.value;
  const signature = fields.find(
    (f) => f.idBlock.tagClass === 1 && f.idBlock.tagNumber === 4,
  ) as asn1js.OctetString;
  return Buffer.from(signature.valueBlock.valueHexView);
}

export function signatureTimestampToken(
  cms: Uint8Array,
): { token: Buffer; signatureValue: Buffer } | undefined {
  const attribute = unsignedAttributes(cms).find((a) => a.type === SIGNATURE_TIME_STAMP);
  if (attribute === undefined) return undefined;
  return { token: attribute.values[0]!, signatureValue: signatureValueOf(cms) };
}
