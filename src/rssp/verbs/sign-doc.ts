/**
 * signatures/signDoc (csc-api-v2 §11.10): documents or their digests signed as CAdES or PAdES under a
 * SAD — now, or in operationMode "A" in the background with a responseID to poll.
 */
import type { DocumentSigningService, SignDocRequest, SignDocResult } from '../documents.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import {
  asyncMode,
  nowOrInBackground,
  type OperationMode,
  optionalUser,
  type RequestedUser,
  type StartedAsync,
} from './caller.ts';

export interface SignDocDependencies extends Pick<RsspParts, 'settings' | 'credentials' | 'asyncResults'> {
  readonly documents: DocumentSigningService;
}

export interface SignDocCall
  extends OperationMode,
    Pick<SignDocRequest, 'documentDigests' | 'documents' | 'returnValidationInfo'> {
  readonly credentialId: string;
  readonly userId: RequestedUser;
  readonly sad?: string | null | undefined;
  readonly source: string;
}

/**
 * The results under the specification's names, Base64: in operationMode "A" this very object is what
 * signPolling later hands out, so it is kept in the answer's form.
 */
export type SignDocAnswer = {
  DocumentWithSignature?: string[];
  SignatureObject?: string[];
  validationInfo?: { ocsp: string[]; crl: string[]; certificates: string[] };
};

export async function signDoc(
  deps: SignDocDependencies,
  principal: RsspPrincipal,
  request: SignDocCall,
): Promise<SignDocAnswer | StartedAsync> {
  const asynchronous = asyncMode(deps, request);
  const userId = optionalUser(principal, request.userId);
  const { sad, documentDigests, documents } = request;
  const signing: SignDocRequest = {
    credentialId: request.credentialId,
    ...(sad == null ? {} : { sad }),
    documentDigests,
    documents,
    returnValidationInfo: request.returnValidationInfo ?? false,
    ...(userId === null ? {} : { userId }),
    source: request.source,
  };
  const sign = async () => signDocAnswer(await deps.documents.signDoc(principal, signing));
  return nowOrInBackground(
    deps,
    principal,
    'signatures/signDoc',
    { ...request, validityMs: asynchronous },
    sign,
  );
}

/** The signDoc answer: attached results, detached results and validation data as the specification names them. */
function signDocAnswer(result: SignDocResult): SignDocAnswer {
  const base64 = (values: readonly Buffer[]) => values.map((b) => b.toString('base64'));
  const answer: SignDocAnswer = {};
  if (result.documentsWithSignature.length > 0)
    answer.DocumentWithSignature = base64(result.documentsWithSignature);
  if (result.signatureObjects.length > 0) answer.SignatureObject = base64(result.signatureObjects);
  if (result.validationInfo !== undefined) {
    const { ocsp, crl, certificates } = result.validationInfo;
    answer.validationInfo = { ocsp: base64(ocsp), crl: base64(crl), certificates: base64(certificates) };
  }
  return answer;
}
