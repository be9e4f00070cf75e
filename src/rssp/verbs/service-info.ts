/** info (csc-api-v2 §11.1): what this service offers — methods, algorithms, formats and levels — in the caller's language. */
import type { SignatureLevel } from '../../ades/index.ts';
import type { RsspParts } from '../parts.ts';

export type ServiceInfoDependencies = Pick<RsspParts, 'settings' | 'documents' | 'timestamps'>;
export type ResponseLanguage = 'ja-JP' | 'en-US';

export const CSC_SPEC_VERSION = '2.0.0.2';

/** The names info advertises (the specification's table spelling); parsed case-insensitively. */
export const LEVEL_NAMES: Record<SignatureLevel, string> = {
  'B-B': 'Ades-B-B',
  'B-T': 'Ades-B-T',
  'B-LT': 'Ades-B-LT',
  'B-LTA': 'Ades-B-LTA',
};

export function cscMethods(deps: ServiceInfoDependencies): string[] {
  return [
    'auth/login',
    'auth/revoke',
    'credentials/list',
    'credentials/info',
    'credentials/authorize',
    'credentials/authorizeCheck',
    'credentials/extendTransaction',
    'credentials/getChallenge',
    'credentials/sendOTP',
    'signatures/signHash',
    ...(deps.documents === undefined ? [] : ['signatures/signDoc']),
    'signatures/signPolling',
    ...(deps.timestamps === undefined ? [] : ['signatures/timestamp']),
    'oauth2/authorize',
    'oauth2/pushed_authorize',
    'oauth2/token',
    'oauth2/revoke',
  ];
}

/** The info answer (csc-api-v2 §11.1): what this service offers, in the caller's language. */
export function serviceInfo(deps: ServiceInfoDependencies, request: { lang: ResponseLanguage }) {
  const lang = request.lang;
  const base = deps.settings.publicUrl;
  return {
    specs: CSC_SPEC_VERSION,
    name: deps.settings.serviceName,
    logo: `${base}/logo.png`,
    region: 'JP',
    lang,
    description:
      lang === 'en-US'
        ? 'Remote signature service (keys in an HSM, SAD with PIN and one-time code: JT2A level 2)'
        : 'リモート署名サービス (鍵は HSM 内、PIN とワンタイムコードによる署名活性化: JT2A レベル2)',
    authType: ['basic', 'oauth2code', 'oauth2client'],
    oauth2: `${base}/`,
    asynchronousOperationMode: true,
    methods: cscMethods(deps),
    validationInfo: deps.documents?.capabilities.validationInfo ?? false,
    signAlgorithms: {
      algos: [
        '1.2.840.113549.1.1.11',
        '1.2.840.113549.1.1.12',
        '1.2.840.113549.1.1.13',
        '1.2.840.113549.1.1.10',
        '1.2.840.113549.1.1.1',
        '1.2.840.10045.4.3.2',
        '1.2.840.10045.4.3.3',
        '1.2.840.10045.4.3.4',
        '1.2.840.10045.2.1',
      ],
    },
    // signDoc: CAdES (detached) and PAdES from documentDigests or documents (csc-api-v2 §4.1, §6),
    // at the levels the TSA and the revocation source at hand allow.
    signature_formats:
      deps.documents === undefined
        ? { formats: [], envelope_properties: [] }
        : { formats: ['C', 'P'], envelope_properties: [['Detached'], ['Certification', 'Revision']] },
    conformance_levels:
      deps.documents === undefined ? [] : deps.documents.capabilities.levels.map((l) => LEVEL_NAMES[l]),
  };
}
