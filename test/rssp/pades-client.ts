/**
 * The SCA side of test/rssp/pades-signhash.test.ts, in its own process so that it trusts the test
 * server's TLS certificate the way a deployment would (NODE_EXTRA_CA_CERTS): our CSC client and
 * signPdfWithCsc over HTTPS. Inputs come in the environment; prints the CMS size on success.
 */
import { CscClient, signPdfWithCsc } from '../../src/rssp/client/index.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const client = new CscClient({ baseUrl: env('RSSP_URL'), accessToken: env('RSSP_TOKEN') });
const result = await signPdfWithCsc(client, {
  input: env('PDF_INPUT'),
  output: env('PDF_OUTPUT'),
  credentialId: env('RSSP_CREDENTIAL'),
  pin: env('RSSP_PIN'),
  otp: env('RSSP_OTP'),
  reason: 'signHash from the client side',
});
process.stdout.write(`${JSON.stringify({ cmsBytes: result.cms.length })}\n`);
