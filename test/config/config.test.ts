import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';

function settingOf(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    assert.ok(isShomeiError(error));
    assert.equal(error.code, 'SHOMEI_CONFIG_INVALID');
    assert.ok(error.messages.en.includes(String(error.details.setting)), 'the message names the setting');
    assert.ok(
      error.messages.ja.includes(String(error.details.setting)),
      'the Japanese message names the setting',
    );
    return String(error.details.setting);
  }
}

describe('configuration', () => {
  test('defaults give the embedded default', () => {
    const config = loadConfig({ SHOMEI_HOME: '/tmp/x' });
    assert.equal(config.environment, 'development');
    assert.equal(config.databaseUrl, 'sqlite:/tmp/x/shomei.db');
    assert.equal(config.http.port, 8080);
    assert.match(config.pkcs11.modulePath, /libsofthsm2\.so$/);
    assert.equal(config.pkcs11.pinFile, '/tmp/x/secrets/token-pins.json');
  });

  test('each invalid setting stops start-up naming that setting', () => {
    assert.equal(settingOf({ SHOMEI_PORT: 'eighty' }), 'SHOMEI_PORT');
    assert.equal(settingOf({ SHOMEI_PORT: '70000' }), 'SHOMEI_PORT');
    assert.equal(settingOf({ SHOMEI_ENV: 'prod' }), 'SHOMEI_ENV');
    assert.equal(settingOf({ SHOMEI_DATABASE_URL: 'mysql://x' }), 'SHOMEI_DATABASE_URL');
    assert.equal(settingOf({ SHOMEI_PKCS11_MODULE: '/nonexistent/libpkcs11.so' }), 'SHOMEI_PKCS11_MODULE');
    assert.equal(settingOf({ SHOMEI_PKCS11_SESSIONS: '0' }), 'SHOMEI_PKCS11_SESSIONS');
    assert.equal(settingOf({ SHOMEI_PUBLIC_URL: 'not a url' }), 'SHOMEI_PUBLIC_URL');
    assert.equal(settingOf({ SHOMEI_LOG_LEVEL: 'loud' }), 'SHOMEI_LOG_LEVEL');
  });

  test('production refuses SQLite', () => {
    assert.equal(settingOf({ SHOMEI_ENV: 'production' }), 'SHOMEI_DATABASE_URL');
    assert.equal(
      loadConfig({ SHOMEI_ENV: 'production', SHOMEI_DATABASE_URL: 'postgres://u@h/db' }).environment,
      'production',
    );
  });
});
