/** `shomei audit …`: verify the chain or an archive, search, export, prune, checkpoint. */
import path from 'node:path';
import type { Command } from 'commander';
import { requestApproval, requirePrivilege } from '../../app/index.ts';
import { parseSearchFilter, verifyAuditArchive } from '../../audit/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

function seqOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) {
    throw shomeiError(
      'SHOMEI_CLI_INPUT_INVALID',
      `${name} は正の整数です。`,
      `${name} must be a positive integer.`,
      {
        status: 400,
      },
    );
  }
  return Number(value);
}

function verificationFailed(what: string, seq: number | undefined, reason: string): Error {
  const where = seq === undefined ? '' : ` (record ${seq})`;
  return shomeiError(
    'SHOMEI_AUDIT_VERIFY_FAILED',
    `${what}の検証に失敗しました${where}: ${reason}`,
    `${what === '監査ログ' ? 'The audit log' : 'The archive'} failed verification${where}: ${reason}`,
    { status: 422, details: { seq, reason } },
  );
}

/** shomei audit verify: the live chain, or an archive file alone. */
async function verifyAction(options: { archive?: string }): Promise<void> {
  if (options.archive !== undefined) {
    const result = verifyAuditArchive(path.resolve(options.archive));
    printJson({
      ok: result.ok,
      firstBreak: result.firstBreak,
      problems: result.problems,
      range: result.manifest?.range ?? null,
      archivedAt: result.manifest?.archivedAt ?? null,
      installationId: result.manifest?.installationId ?? null,
      signerPublicKeySha256: result.publicKeySha256,
      timestamp: result.timestamp,
      archiveSha256: result.archiveSha256,
    });
    if (!result.ok) {
      throw verificationFailed(
        'アーカイブ',
        result.firstBreak?.seq,
        result.firstBreak?.message ?? result.problems[0] ?? 'invalid',
      );
    }
    return;
  }
  const result = await withShomei((shomei) => shomei.audit.verify());
  printJson(result);
  if (!result.ok) {
    const problem = result.firstBreak ?? result.checkpoints.problems[0];
    throw verificationFailed(
      '監査ログ',
      result.firstBreak?.seq ?? result.checkpoints.problems[0]?.throughSeq,
      result.firstBreak?.message ?? (problem as { reason: string } | undefined)?.reason ?? 'invalid',
    );
  }
}

/** shomei audit search: matching records as JSON lines, the read itself audited. */
async function searchAction(options: Record<string, string | undefined>): Promise<void> {
  const filter = parseSearchFilter(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  );
  await withOperator(async (shomei, operator) => {
    await requirePrivilege(shomei, operator, 'audit.read');
    const events = await shomei.audit.search(filter);
    for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
    await shomei.audit.trail.append({
      type: 'audit.read',
      actor: { kind: 'user', id: operator.userId },
      outcome: 'success',
      details: { filter: { ...filter }, returned: events.length, via: 'cli' },
    });
  });
}

/** shomei audit export: a signed, timestamped archive of a time or sequence range. */
async function exportAction(options: Record<string, string | undefined>): Promise<void> {
  const range: { from?: string; to?: string; fromSeq?: number; throughSeq?: number } = {};
  if (options.from !== undefined) range.from = options.from;
  if (options.to !== undefined) range.to = options.to;
  const fromSeq = seqOption(options.fromSeq, '--from-seq');
  const throughSeq = seqOption(options.throughSeq, '--through-seq');
  if (fromSeq !== undefined) range.fromSeq = fromSeq;
  if (throughSeq !== undefined) range.throughSeq = throughSeq;
  const file = path.resolve(options.output!);
  const result = await withOperator(async (shomei, operator) => {
    await requirePrivilege(shomei, operator, 'audit.export');
    return shomei.audit.exportArchive(file, range, operator.userId);
  });
  printJson({
    file,
    exportId: result.exportId,
    range: result.manifest.range,
    count: result.manifest.count,
    archiveSha256: result.archiveSha256,
    signerPublicKeySha256: result.manifest.signer.publicKeySha256,
    verified: result.verification.ok,
  });
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Audit trail / 監査ログ');

  audit
    .command('verify')
    .description(
      'Recompute the hash chain and checkpoints, or verify an exported archive offline / チェーンとチェックポイント、またはアーカイブを検証',
    )
    .option('--archive <file>', 'verify this archive file alone (no database or HSM needed)')
    .action(verifyAction);

  audit
    .command('search')
    .description('Search by time, type and actor; prints JSON lines / 日時・種別・利用者で検索 (JSON Lines)')
    .option('--from <time>', 'from (inclusive), YYYY-MM-DD or ISO-8601')
    .option('--to <time>', 'to (exclusive), YYYY-MM-DD or ISO-8601')
    .option('--type <type>', 'event type, or a prefix such as auth.*')
    .option('--actor <id>', 'actor id')
    .option('--limit <n>', 'most records to print (default 1000)')
    .action(searchAction);

  audit
    .command('export')
    .description(
      'Write a signed, timestamped archive that verifies offline / 署名・タイムスタンプ付きアーカイブを書き出し',
    )
    .requiredOption('-o, --output <file>', 'archive file to write (must not exist)')
    .option('--from <time>', 'from (inclusive), YYYY-MM-DD or ISO-8601')
    .option('--to <time>', 'to (exclusive), YYYY-MM-DD or ISO-8601')
    .option('--from-seq <n>', 'first sequence number')
    .option('--through-seq <n>', 'last sequence number')
    .action(exportAction);

  audit
    .command('prune')
    .description(
      'Ask to delete records past retention that a timestamped archive holds (dual control) / 保存期間を過ぎアーカイブ済みの記録の削除を依頼 (二者承認)',
    )
    .requiredOption('--through <seq>', 'last sequence number to delete')
    .action(async (options: { through: string }) => {
      const through = seqOption(options.through, '--through');
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, 'audit.prune', { throughSeq: through }),
      );
      printJson({ request });
    });

  audit
    .command('checkpoint')
    .description('Sign and timestamp the chain head now / チェーンの先頭に今すぐ署名')
    .action(async () => {
      // Any authenticated operator may anchor the head; the checkpoint names no person, so record who.
      const checkpoint = await withOperator(async (shomei, operator) => {
        const made = await shomei.audit.checkpointer.checkpoint('manual');
        await shomei.audit.trail.append({
          type: 'audit.checkpoint.request',
          actor: { kind: 'user', id: operator.userId },
          outcome: 'success',
          source: operator.source,
          details: { checkpointId: made?.id ?? null },
        });
        return made;
      });
      printJson({
        id: checkpoint?.id,
        throughSeq: checkpoint?.payload.throughSeq,
        headHash: checkpoint?.payload.headHash,
        timestamped: checkpoint?.timestampToken !== null,
      });
    });
}
