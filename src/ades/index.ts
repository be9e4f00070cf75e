/**
 * Advanced electronic signatures: CMS with an external signer (prepare → sign digests → complete),
 * CAdES detached signatures and PAdES baseline signatures at B-B, B-T, B-LT and B-LTA.
 */
export {
  type CmsSignatureRequest,
  completeCmsSignature,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from './cms-signature.ts';
export { COMMITMENT_TYPES, type CommitmentType } from './signed-attributes.ts';
export { type CmsSigningState, readSigningState } from './signing-state.ts';
