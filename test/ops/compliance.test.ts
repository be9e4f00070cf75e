import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { POLICY_ITEM_NAMES, PUBLIC_POLICY_DOCUMENTS } from '../../src/admin/index.ts';
import { CHECKLIST, type DisclosureRow, fillTemplate } from '../../src/ops/index.ts';
import { makeTestHome } from '../helpers/home.ts';
import { credentialsEnv, makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { runShomei } from '../helpers/run.ts';

const home = makeTestHome();
after(() => home.remove());

interface Facts {
  environment: string;
  tls: string;
  mutualTls: string;
  auditChain: string;
  lastBackupVerified: string;
  keyStorage: string;
  sessions: string;
}

interface Row {
  ref: string;
  kind: string;
  evidence?: string;
}

let observed: { checkpointTsa: string; credentialIssuer: string } | undefined;
let team: Record<TeamRole, TestOperator> | undefined;

function disclosure(): DisclosureRow[] {
  const result = runShomei(['compliance', 'report', '--format', 'json'], home.env);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { disclosure: DisclosureRow[] }).disclosure;
}

function report(env: Record<string, string>): Facts {
  const result = runShomei(['compliance', 'report', '--format', 'json'], env);
  assert.equal(result.status, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as {
    facts: Facts;
    checklist: Row[];
    observedTrust: { checkpointTsa: string; credentialIssuer: string };
  };
  observed = parsed.observedTrust;
  // Every row of the checklist, each with the live evidence it names (issues #17, #18).
  assert.deepEqual(
    parsed.checklist.map((r) => r.ref),
    CHECKLIST.map((item) => item.ref),
  );
  for (const [i, item] of CHECKLIST.entries()) {
    if (item.live !== undefined)
      assert.equal(
        parsed.checklist[i]?.evidence,
        String(parsed.facts[item.live as keyof Facts] ?? ''),
        item.ref,
      );
  }
  return parsed.facts;
}

describe('shomei compliance report', () => {
  test('fills the checklist from the live installation, backups and audit chain included', async () => {
    assert.equal(runShomei(['init'], home.env).status, 0);
    const before = report(home.env);
    assert.equal(before.environment, 'development');
    assert.match(before.tls, /^off/);
    assert.match(before.mutualTls, /^off/);
    assert.match(before.auditChain, /^verified OK at \d{4}-/);
    assert.match(before.lastBackupVerified, /^never/);
    assert.match(before.keyStorage, /SoftHSM2 \(software, not certified/);
    assert.match(before.sessions, /idle 30 min, absolute 12 h/);

    // A backup is taken by an authenticated operator (ADR 019), as a provider would.
    const roles: TeamRole[] = ['security_officer', 'system_administrator', 'system_operator'];
    team = await makeTeam(home, roles, {}, roles);
    const backup = runShomei(
      ['backup', 'create', '-o', path.join(home.home, '..', `${path.basename(home.home)}.backup`)],
      await credentialsEnv(home, team.system_operator),
    );
    assert.equal(backup.status, 0, backup.stderr);
    const after = report({ ...home.env, SHOMEI_TLS_EMBEDDED: 'true', SHOMEI_SESSION_IDLE_MINUTES: '15' });
    assert.match(after.lastBackupVerified, /^\d{4}-\d\d-\d\dT/);
    assert.match(after.tls, /^on \(embedded CA certificate/);
    assert.match(after.sessions, /idle 15 min/);
    // What was actually used, read from the newest checkpoint's timestamp token (issue #17).
    assert.match(observed?.checkpointTsa ?? '', /CN=shomei Development Time-Stamping Authority/);
    assert.match(observed?.credentialIssuer ?? '', /no certified credential yet/);
  });

  test('text and Markdown list every criterion and never a PIN', () => {
    // The SO PIN is in the file init left for the operator, not in the PIN file (issue #22).
    const pins = {
      ...JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')),
      ...JSON.parse(
        readFileSync(path.join(path.dirname(home.config.pkcs11.pinFile), 'token-so-pin.json'), 'utf8'),
      ),
    } as { userPin: string; soPin: string };
    const markdown = runShomei(['compliance', 'report', '--format', 'markdown'], home.env);
    const japanese = runShomei(['compliance', 'report'], { ...home.env, SHOMEI_LANG: 'ja' });
    for (const out of [markdown, japanese]) {
      assert.equal(out.status, 0, out.stderr);
      for (const item of CHECKLIST) assert.ok(out.stdout.includes(item.ref), item.ref);
      assert.ok(!out.stdout.includes(pins.userPin));
      assert.ok(!out.stdout.includes(pins.soPin));
    }
    assert.match(japanese.stdout, /現在値: development/);
  });

  test('docs/compliance-checklist.md carries every row of the checklist', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/compliance-checklist.md'), 'utf8');
    for (const item of CHECKLIST)
      assert.ok(doc.includes(item.ref.replaceAll('|', '\\|')), `missing ${item.ref}`);
  });

  test('the practice statement and terms of use cite the settings in force, with no blank left', () => {
    const env = {
      ...home.env,
      SHOMEI_SESSION_IDLE_MINUTES: '15',
      SHOMEI_RSSP_SAD_LIFETIME_SECONDS: '120',
      SHOMEI_CONTRACTS_CLOSED_DOCUMENT_DAYS: '45',
    };
    const statement = runShomei(['compliance', 'document', 'practice-statement'], env);
    assert.equal(statement.status, 0, statement.stderr);
    assert.doesNotMatch(statement.stdout, /\{\{[A-Z_]+\}\}/);
    assert.match(statement.stdout, /セッションは無操作 15 分/);
    assert.match(statement.stdout, /valid 120 s/);
    assert.match(statement.stdout, /environment: \*\*development\*\*\. これは開発環境です/);
    assert.match(statement.stdout, /last\s+verified: \d{4}-/);
    const terms = runShomei(['compliance', 'document', 'terms-of-use'], env);
    assert.equal(terms.status, 0, terms.stderr);
    assert.doesNotMatch(terms.stdout, /\{\{[A-Z_]+\}\}/);
    assert.match(terms.stdout, /valid for\s+120 seconds/);
    // Retention and deletion periods are published from the settings in force (issue #18).
    assert.match(terms.stdout, /kept for at least 7 years/);
    assert.match(terms.stdout, /deleted 45 days after they\s+closed/);
    assert.equal(runShomei(['compliance', 'document', '../../etc/passwd'], env).status, 2);
    assert.throws(() => fillTemplate('a {{NOT_A_SETTING}} b', {}), /NOT_A_SETTING/);
  });

  test('policy documents are published through dual control, and the disclosure rows say so with evidence', async () => {
    assert.ok(team !== undefined);
    const before = disclosure();
    assert.deepEqual(
      before.map((r) => r.status),
      [...PUBLIC_POLICY_DOCUMENTS.map(() => 'not-met'), 'not-met', 'not-met'],
    );
    assert.match(before.find((r) => r.topic.en === "The provider's items")?.evidence ?? '', /PROVIDER_NAME/);
    const itemsFile = path.join(home.home, '..', `${path.basename(home.home)}-items.json`);
    writeFileSync(
      itemsFile,
      JSON.stringify(Object.fromEntries(POLICY_ITEM_NAMES.map((n) => [n, `${n} の記載 (株式会社サンプル)`]))),
    );
    // The operator is not among the requesters: refused before anything is stored (the one door).
    const refused = runShomei(
      ['compliance', 'publish', '--items', itemsFile],
      await credentialsEnv(home, team.system_operator),
    );
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SHOMEI_FORBIDDEN/);
    const requested = runShomei(
      ['compliance', 'publish', '--items', itemsFile],
      await credentialsEnv(home, team.system_administrator),
    );
    assert.equal(requested.status, 0, requested.stderr);
    const request = JSON.parse(requested.stdout) as { id: string; status: string };
    assert.equal(request.status, 'pending');
    const approved = runShomei(
      ['admin', 'approve', request.id],
      await credentialsEnv(home, team.security_officer),
    );
    assert.equal(approved.status, 0, approved.stderr);
    assert.equal((JSON.parse(approved.stdout) as { status: string }).status, 'approved');

    const outcome = (
      JSON.parse(approved.stdout) as {
        outcome: { published: { document: string; version: number; sha256: string }[] };
      }
    ).outcome;
    const v1 = outcome.published.find((p) => p.document === 'terms-of-use');
    assert.equal(v1?.version, 1);
    const after = disclosure();
    const terms = after.find((r) => r.topic.en === 'Terms of use, published');
    assert.equal(terms?.status, 'met');
    assert.match(
      terms?.evidence ?? '',
      new RegExp(`/policies/terms-of-use version 1 of 1, effective .* sha256 ${v1?.sha256}`),
    );
    for (const row of after.slice(0, PUBLIC_POLICY_DOCUMENTS.length + 1))
      assert.equal(row.status, 'met', row.ref);
    // SoftHSM2 is not a certified module: the Level 2 declaration's row stays not met, and says why.
    assert.equal(after.at(-1)?.status, 'not-met');
    assert.match(after.at(-1)?.evidence ?? '', /software token/);
  });
});
