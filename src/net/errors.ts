/** Errors of outbound connections to addresses given by users (webhooks). */
import { shomeiError } from '../errors/index.ts';

export const netErrors = {
  /** The host is, or resolves to, an address that is not public (loopback, private, link-local …). */
  refused: (host: string, range: string) =>
    shomeiError(
      'SHOMEI_OUTBOUND_ADDRESS_REFUSED',
      `宛先 ${host} は内部・ループバック・リンクローカル等のアドレス (${range}) のため接続しません。`,
      `The destination ${host} is not a public address (${range}); no connection is made.`,
      { status: 400, details: { host, range } },
    ),
  unresolvable: (host: string) =>
    shomeiError(
      'SHOMEI_OUTBOUND_HOST_UNRESOLVABLE',
      `宛先 ${host} の名前を解決できません。`,
      `The destination host ${host} cannot be resolved.`,
      { status: 400, details: { host } },
    ),
  invalidUrl: (reason: string) =>
    shomeiError(
      'SHOMEI_OUTBOUND_URL_INVALID',
      `宛先 URL が不正です (${reason})。`,
      `The destination URL is invalid (${reason}).`,
      { status: 400, details: { reason } },
    ),
};
