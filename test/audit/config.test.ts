/** Audit, alert and admin settings are validated at start-up, naming the bad setting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';

describe('audit and admin settings', () => {
  it('reads defaults', () => {
    const config = loadConfig({ SHOMEI_HOME: '/tmp/shomei-config-test' });
    assert.equal(config.audit.checkpointIntervalSeconds, 3600);
    assert.deepEqual(config.audit.businessHours, { startMinute: 480, endMinute: 1200 });
    assert.equal(config.audit.timeZone, 'Asia/Tokyo');
    assert.deepEqual(config.audit.rateLimit, { events: 30, seconds: 10 });
    assert.deepEqual(config.audit.alertMailTo, []);
    assert.equal(config.admin.approvalHours, 24);
    assert.equal(config.admin.trainingValidityDays, 365);
    assert.deepEqual(config.admin.allowedIps, ['127.0.0.1', '::1']);
  });

  it('parses explicit values', () => {
    const config = loadConfig({
      SHOMEI_HOME: '/tmp/shomei-config-test',
      SHOMEI_ALERT_BUSINESS_HOURS: '22:00-06:30',
      SHOMEI_ALERT_RATE: '100/5',
      SHOMEI_ALERT_MAIL_TO: 'a@example.jp, b@example.jp',
      SHOMEI_ADMIN_TRAINING_VALIDITY_DAYS: '0',
    });
    assert.deepEqual(config.audit.businessHours, { startMinute: 1320, endMinute: 390 });
    assert.deepEqual(config.audit.rateLimit, { events: 100, seconds: 5 });
    assert.deepEqual(config.audit.alertMailTo, ['a@example.jp', 'b@example.jp']);
    assert.equal(config.admin.trainingValidityDays, 0);
  });

  it('refuses bad values with SHOMEI_CONFIG_INVALID naming the setting', () => {
    const bad: Record<string, string> = {
      SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '-5',
      SHOMEI_ALERT_BUSINESS_HOURS: '8-20',
      SHOMEI_ALERT_TIMEZONE: 'Mars/Olympus',
      SHOMEI_ALERT_RATE: '0/10',
      SHOMEI_ALERT_MAIL_TO: 'not-an-address',
      SHOMEI_ADMIN_APPROVAL_HOURS: '0',
      SHOMEI_ADMIN_ALLOWED_IPS: '127.0.0.1;rm -rf',
    };
    for (const [setting, value] of Object.entries(bad)) {
      assert.throws(
        () => loadConfig({ SHOMEI_HOME: '/tmp/shomei-config-test', [setting]: value }),
        (error: { code?: string; details?: { setting?: string } }) =>
          error.code === 'SHOMEI_CONFIG_INVALID' && error.details?.setting === setting,
        setting,
      );
    }
  });
});
