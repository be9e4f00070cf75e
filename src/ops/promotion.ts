/**
 * `installation.promote`: a passive (restored) installation becomes the live one only when a system
 * administrator asks and a second person approves (dual control, both steps audited by it). Whoever
 * promotes has made sure the original installation is gone or stopped for good (docs/admin-guide.md, "Restore").
 */
import type { DualControlExecutor } from '../admin/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { OperatingMode } from './operating-mode.ts';

export const PROMOTE_KIND = 'installation.promote';

export function promotionExecutor(mode: OperatingMode): DualControlExecutor {
  return {
    description: { ja: '復元した環境の稼働開始 (昇格)', en: 'Promote a restored installation to live' },
    requesters: ['system_administrator'],
    approvers: ['security_officer', 'system_administrator'],
    parse(payload) {
      if (
        payload !== undefined &&
        payload !== null &&
        (typeof payload !== 'object' || Array.isArray(payload))
      )
        throw shomeiError('SHOMEI_BAD_REQUEST', '入力 payload が不正です。', 'Input payload is invalid.', {
          status: 400,
          details: { field: 'payload' },
        });
      return {};
    },
    async precheck() {
      if ((await mode.refresh()) !== 'passive') {
        throw shomeiError(
          'SHOMEI_INSTALLATION_NOT_PASSIVE',
          'この環境は既に稼働中 (active) です。昇格できるのは復元後の待機環境だけです。',
          'This installation is already active; only a passive (restored) installation can be promoted.',
          { status: 409 },
        );
      }
    },
    async execute(_payload, context) {
      await mode.promote(context.requestId);
      return { mode: 'active' };
    },
  };
}
