/**
 * Carrying out an approved service termination (PS 3.7, JT2A appendix 4; ADR 036), step by step:
 * a public notice (/policies/notices) and mail to every tenant's administrators, then — once the effective time has passed — every
 * tenant's records exported and timestamped, then the keys destroyed (or the audit archive and the
 * CA's records handed over), then a final report. Each finished step is recorded once
 * (`ServiceTermination.record`), so a run cut short resumes where it stopped and a run after the
 * end does nothing.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuthenticatedOperator, JsonObject, TerminationPlan } from '../admin/index.ts';
import { exportTenant } from '../contracts/index.ts';
import { shomeiError } from '../errors/index.ts';
import { handOverRecords, terminationKeys } from './service-termination-keys.ts';
import type { Shomei } from './shomei.ts';

export type TerminationRun =
  | { readonly status: 'waiting'; readonly effectiveAt: string; readonly notified: number }
  | { readonly status: 'finished'; readonly alreadyFinished: boolean; readonly report: JsonObject };

interface Run {
  readonly shomei: Shomei;
  readonly plan: TerminationPlan;
  readonly by: string;
}

function notPlanned(): Error {
  return shomeiError(
    'SHOMEI_SERVICE_TERMINATION_NOT_PLANNED',
    '承認されたサービス終了の計画がありません: shomei service terminate request で依頼し、別の者が承認してください。',
    'No service termination has been approved: ask with shomei service terminate request and have a second person approve it.',
    { status: 409 },
  );
}

/** Runs `work` and records its outcome as `step`, unless the step is already recorded. */
async function once(run: Run, step: string, work: () => Promise<JsonObject>): Promise<JsonObject> {
  const done = await run.shomei.admin.termination.step(step);
  if (done !== undefined) return done.outcome;
  const outcome = await work();
  await run.shomei.admin.termination.record(step, outcome, run.by);
  return outcome;
}

function notice(plan: TerminationPlan, tenantName: string): { subject: string; text: string } {
  return {
    subject: '[shomei] サービス終了のお知らせ / Notice of service termination',
    text: [
      `${tenantName} ご担当者様`,
      '',
      `本サービスは ${plan.effectiveAt} をもって終了します。終了後は新しい契約の送信と署名用証明書の発行を受け付けません。`,
      '貴社の全記録 (契約書 PDF、検証結果、監査記録) はタイムスタンプ付きの書出しファイルとしてお渡しします。',
      '事業者の鍵と利用者の署名鍵は終了手続きの中で破棄し、または後継事業者へ引き継ぎます。',
      '',
      `The service ends at ${plan.effectiveAt}. After that, no new envelopes are sent and no signing certificates are issued.`,
      'Every record of your organisation (contract PDFs, validation reports, audit records) will be handed to you as a timestamped export.',
      "The provider's keys and the signers' keys are destroyed, or handed over to the successor, during the termination.",
    ].join('\n'),
  };
}

/** The service's own contact (a published policy item), or where to find it once set. */
async function contact(shomei: Shomei): Promise<{ ja: string; en: string }> {
  const item = (await shomei.admin.policies.items()).find((i) => i.name === 'PROVIDER_CONTACT');
  if (item?.value != null) return { ja: item.value, en: item.value };
  return {
    ja: 'サービスポリシー (/policies/service-policy) の連絡窓口',
    en: 'the contact in the service policy (/policies/service-policy)',
  };
}

/** The public notice of the end (PS 3.7 Web サイトにおいても公開する): one per approved plan. */
async function publishNotice(run: Run): Promise<JsonObject> {
  const { plan } = run;
  const to = await contact(run.shomei);
  const keys =
    plan.keys === 'destroy'
      ? {
          ja: '事業者の鍵と利用者の署名鍵は終了手続きの中で破棄します。',
          en: "The provider's and the signers' keys will be destroyed during the termination.",
        }
      : {
          ja: '事業者の記録 (監査記録・認証局の記録) は後継事業者へ引き継ぎます。',
          en: "The provider's records (audit trail, CA records) will be handed over to the successor.",
        };
  const { notice, created } = await run.shomei.admin.notices.publish(
    {
      kind: 'service-termination',
      reference: plan.requestId,
      effectiveAt: plan.effectiveAt,
      facts: { keys: plan.keys },
      text: {
        ja: [
          `本サービスは ${plan.effectiveAt} をもって終了します。以後、新しい契約の送信と署名用証明書の発行は受け付けません。`,
          '各利用者 (組織) の全記録 (契約書 PDF、検証結果、監査記録) は、タイムスタンプ付きの書出しファイルとして各組織の管理者にお渡しします。',
          keys.ja,
          `お問い合わせ: ${to.ja}`,
        ].join('\n'),
        en: [
          `The service ends at ${plan.effectiveAt}. From then on, no new envelopes are sent and no signing certificates are issued.`,
          "Every customer organisation's records (contract PDFs, validation reports, audit records) are handed to its administrators as a timestamped export.",
          keys.en,
          `Contact: ${to.en}`,
        ].join('\n'),
      },
    },
    run.by,
  );
  return { reference: notice.reference, created, sha256: notice.sha256 };
}

async function notify(run: Run): Promise<JsonObject> {
  const { shomei } = run;
  const published = await publishNotice(run);
  const notified: string[] = [];
  const tenants = await shomei.identity.accounts.listTenants();
  for (const tenant of tenants) {
    const message = notice(run.plan, tenant.name);
    for (const userId of await shomei.contracts.tenantAdministrators(tenant.id)) {
      const user = await shomei.identity.accounts.getUser(userId);
      if (user === undefined || user.status !== 'active') continue;
      await shomei.mailer.send({ to: user.email, ...message });
      notified.push(userId);
    }
  }
  // User ids only: the addresses are in the accounts, and the trail keeps no more than it needs.
  return { tenants: tenants.length, notified, publicNotice: published };
}

/** One tenant's ZIP (written aside, then renamed) and an RFC 3161 token over its SHA-256. */
async function exportOne(run: Run, tenantId: string): Promise<JsonObject> {
  const { shomei, plan } = run;
  await mkdir(plan.exportTo, { recursive: true, mode: 0o700 });
  const file = path.join(plan.exportTo, `${tenantId}.zip`);
  const partial = `${file}.partial`;
  // A run cut short may have left part of this tenant's export: it is written again from the start.
  await rm(partial, { force: true });
  try {
    const summary = await exportTenant(
      shomei.contracts.context,
      tenantId,
      { kind: 'user', id: run.by },
      createWriteStream(partial, { mode: 0o600 }),
    );
    await rename(partial, file);
    const digest = createHash('sha256')
      .update(await readFile(file))
      .digest();
    const token = await shomei.timestamps.source.timestamp(digest);
    await writeFile(`${file}.tsr`, token, { mode: 0o600 });
    return { ...summary, file, sha256: digest.toString('hex') };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function finish(run: Run, parts: JsonObject): Promise<JsonObject> {
  const report = {
    effectiveAt: run.plan.effectiveAt,
    requestId: run.plan.requestId,
    keys: run.plan.keys,
    ...parts,
    finishedAt: new Date().toISOString(),
  };
  await writeFile(
    path.join(run.plan.exportTo, 'termination-report.json'),
    `${JSON.stringify(report, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  return report;
}

export async function runServiceTermination(
  shomei: Shomei,
  operator: AuthenticatedOperator,
): Promise<TerminationRun> {
  const plan = await shomei.admin.termination.plan();
  if (plan === undefined) throw notPlanned();
  const finished = await shomei.admin.termination.step('finish');
  if (finished !== undefined) return { status: 'finished', alreadyFinished: true, report: finished.outcome };
  const run: Run = { shomei, plan, by: operator.userId };
  const notices = await once(run, 'notify', () => notify(run));
  if (Date.parse(plan.effectiveAt) > Date.now()) {
    const notified = Array.isArray(notices.notified) ? notices.notified.length : 0;
    return { status: 'waiting', effectiveAt: plan.effectiveAt, notified };
  }
  const exports: JsonObject[] = [];
  for (const tenant of await shomei.identity.accounts.listTenants()) {
    exports.push(await once(run, `export:${tenant.id}`, () => exportOne(run, tenant.id)));
  }
  const keys =
    plan.keys === 'destroy'
      ? await terminationKeys(shomei, (step, work) => once(run, step, work), run.by)
      : await once(run, 'hand-over', () => handOverRecords(shomei, plan, run.by));
  const report = await once(run, 'finish', () =>
    finish(run, {
      tenants: exports.map((e) => ({
        tenantId: e.tenantId,
        file: e.file,
        sha256: e.sha256,
        records: e.records,
      })),
      notified: notices.notified ?? [],
      keyStage: keys,
    }),
  );
  return { status: 'finished', alreadyFinished: false, report };
}
