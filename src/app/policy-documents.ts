/**
 * The policy documents filled for publication (ADR 033): the template in docs/, the settings in
 * force (live-facts.ts) and the provider's items. A provider's text is escaped so it stays text —
 * no HTML or link of its own reaches the public page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type DualControlExecutor,
  POLICY_DOCUMENT_TITLES,
  POLICY_ITEM_NAMES,
  type PolicyItemName,
  PUBLIC_POLICY_DOCUMENTS,
  type PublicPolicyDocument,
  policyPublishExecutor,
} from '../admin/index.ts';
import { packageRoot } from '../config/index.ts';
import { type DisclosureState, fillTemplate, type LiveFacts } from '../ops/index.ts';
import { documentValues, liveFacts } from './live-facts.ts';
import type { Shomei } from './shomei.ts';

const DOCS = path.join(packageRoot(), 'docs');

/** Markdown and HTML specials become literal characters; line breaks stay as paragraph breaks. */
function literal(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
  // Markdown escapes first: the entities' own '&' and ';' are not among the escaped characters.
  return text
    .replace(/[\\`*_[\]()#!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => entities[c]!)
    .replace(/\r?\n/g, '\n\n');
}

export function unsetItemText(name: PolicyItemName): string {
  return `(未設定 / not set: ${name})`;
}

export async function renderPolicy(
  shomei: Shomei,
  document: PublicPolicyDocument,
  items: Readonly<Record<PolicyItemName, string | null>>,
): Promise<string> {
  // The templates' notes to the operator are HTML comments: not part of what is published.
  const template = readFileSync(path.join(DOCS, `${document}.md`), 'utf8').replace(/<!--[\s\S]*?-->\n?/g, '');
  const values: Record<string, string> = documentValues(shomei, await liveFacts(shomei));
  for (const name of POLICY_ITEM_NAMES) {
    const value = items[name];
    values[name] = value === null ? unsetItemText(name) : literal(value);
  }
  return fillTemplate(template, values);
}

/** The `policy.publish` executor for this installation: production refuses unset items. */
export function policyPublisher(shomei: Shomei): DualControlExecutor {
  return policyPublishExecutor({
    registry: shomei.admin.policies,
    render: (document, items) => renderPolicy(shomei, document, items),
    requireAllItems: shomei.config.environment === 'production',
  });
}

/** What the compliance report's disclosure rows are judged on (src/ops/disclosure.ts). */
export async function disclosureState(shomei: Shomei, facts: LiveFacts): Promise<DisclosureState> {
  const { policies } = shomei.admin;
  const documents = await Promise.all(
    PUBLIC_POLICY_DOCUMENTS.map(async (document) => {
      const versions = await policies.versions(document);
      const inForce = await policies.text(document).then(
        (v) => ({ version: v.version, effectiveAt: v.effectiveAt, sha256: v.sha256 }),
        () => null,
      );
      return { document, title: POLICY_DOCUMENT_TITLES[document], inForce, versions: versions.length };
    }),
  );
  return {
    publicUrl: shomei.config.http.publicUrl,
    documents,
    unsetItems: (await policies.items()).filter((i) => i.value === null).map((i) => i.name),
    keyStorage: facts.keyStorage,
    softwareToken: shomei.config.pkcs11.modulePath.includes('softhsm'),
  };
}
