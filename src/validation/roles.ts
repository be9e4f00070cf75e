/**
 * Where each object of one revision is reachable from its trailer, and so what it is to a reader:
 * page content, an annotation, a form field, the DSS… A role comes from the path that reaches the
 * object, never from its /Type or its number, and an object reached along two paths has both roles
 * (a content stream that is also /Info is still page content). Structural objects (catalog, page
 * tree, annotations, fields, signatures) are walked first; the other walks (/Info, /DSS, /OpenAction,
 * outlines, structure tree…) do not take over a structural object — a page named as an /OpenAction
 * destination stays a page, judged by the page rules.
 */
import { PdfArray, PdfDict, type PdfObject, type PdfReader, PdfRef, PdfStream } from '../pdf/index.ts';

export type ObjectRole =
  | 'catalog'
  | 'info'
  | 'page-tree'
  | 'annots-array'
  | 'annotation'
  | 'appearance'
  | 'acroform'
  | 'fields-array'
  | 'field'
  | 'form-resources'
  | 'form-settings'
  | 'signature-value'
  | 'dss'
  | 'metadata'
  | 'extensions'
  | 'perms'
  | 'names'
  | 'attachments'
  | 'xfa'
  | 'content'
  | 'document';

/** Roles walked first and never taken over by another walk. */
const WALKED_FIRST: ReadonlySet<ObjectRole> = new Set([
  'catalog',
  'page-tree',
  'annots-array',
  'annotation',
  'acroform',
  'fields-array',
  'field',
  'signature-value',
]);

export interface Reached {
  readonly ref: PdfRef;
  readonly roles: Set<ObjectRole>;
}

/** Every object reachable from the trailer, by `n g` key, with its roles. */
export interface RoleMap {
  readonly objects: ReadonlyMap<string, Reached>;
  readonly catalogRef: PdfRef;
  readonly infoRef: PdfRef | undefined;
}

/** Most objects one walk visits; beyond it the revision is not analysed (the caller reports why). */
export const MAX_WALKED_OBJECTS = 200_000;

export class WalkLimitExceeded extends Error {
  override readonly name = 'WalkLimitExceeded';
}

type ChildRole = (key: string, dict: PdfDict) => ObjectRole | 'skip';

/** The role of what a dictionary of a given role refers to under each key. */
const CHILDREN: Partial<Record<ObjectRole, ChildRole>> = {
  catalog: (key) =>
    (
      ({
        Pages: 'page-tree',
        AcroForm: 'acroform',
        DSS: 'dss',
        Metadata: 'metadata',
        Extensions: 'extensions',
        Perms: 'perms',
        Names: 'names',
        AF: 'attachments',
      }) as Record<string, ObjectRole>
    )[key] ?? 'document',
  'page-tree': (key, dict) => {
    if (key === 'Parent') return 'skip';
    if (key === 'Kids') return 'page-tree';
    if (key === 'Annots' && !dict.has('Kids')) return 'annots-array';
    return 'content';
  },
  annotation: (key) => (key === 'P' ? 'skip' : key === 'Parent' ? 'field' : 'appearance'),
  acroform: (key) =>
    key === 'Fields'
      ? 'fields-array'
      : key === 'DR'
        ? 'form-resources'
        : key === 'XFA'
          ? 'xfa'
          : 'form-settings',
  field: (key, dict) => {
    if (key === 'Parent' || key === 'P') return 'skip';
    if (key === 'Kids') return 'field';
    if (key === 'V' && dict.name('FT') === 'Sig') return 'signature-value';
    if (key === 'AP' || key === 'MK' || key === 'DR') return 'appearance';
    return 'form-settings';
  },
  // /Reference /Data of a signature names the catalog it signed: a back-reference, not content.
  'signature-value': (key) => (key === 'Data' ? 'skip' : 'signature-value'),
  perms: () => 'signature-value',
  names: (key) => (key === 'EmbeddedFiles' ? 'attachments' : 'document'),
};

type Visit = readonly [PdfObject | undefined, ObjectRole];

/** What the items of a list are (a page's /Annots, the form's /Fields), direct or indirect. */
const ARRAY_ITEMS: Partial<Record<ObjectRole, ObjectRole>> = {
  'annots-array': 'annotation',
  'fields-array': 'field',
};

class Walker {
  readonly objects = new Map<string, Reached>();
  private readonly deferred: Visit[] = [];
  private visits = 0;

  constructor(private readonly reader: PdfReader) {}

  /**
   * Pass 1 (`structural`) follows only catalog, page tree, annotations, fields and signatures and
   * keeps every other edge for pass 2, which then may not add a role to a structural object.
   */
  walk(start: readonly Visit[], structural: boolean): void {
    const stack: Visit[] = [...start];
    while (stack.length > 0) {
      const [item, role] = stack.pop()!;
      if (structural && !WALKED_FIRST.has(role)) {
        this.deferred.push([item, role]);
      } else if (item instanceof PdfRef) {
        const seen = this.objects.get(item.key);
        if (seen?.roles.has(role)) continue;
        if (!structural && seen !== undefined && [...seen.roles].some((r) => WALKED_FIRST.has(r))) continue;
        this.visits += 1;
        if (this.visits > MAX_WALKED_OBJECTS) throw new WalkLimitExceeded();
        if (seen) seen.roles.add(role);
        else this.objects.set(item.key, { ref: item, roles: new Set([role]) });
        stack.push([this.reader.getObject(item), role]);
      } else if (item instanceof PdfArray) {
        const itemRole = ARRAY_ITEMS[role] ?? role;
        for (const child of item.items) stack.push([child, itemRole]);
      } else if (item instanceof PdfDict || item instanceof PdfStream) {
        const dict = item instanceof PdfStream ? item.dict : item;
        const child = CHILDREN[role];
        for (const [key, entry] of dict.entries) {
          const next = child ? child(key, dict) : role;
          if (next !== 'skip') stack.push([entry, next]);
        }
      }
    }
  }

  walkDeferred(): void {
    this.walk(this.deferred.splice(0), false);
  }
}

/** Walks the revision a reader shows, structural roles first. */
export function mapRoles(reader: PdfReader): RoleMap {
  const walker = new Walker(reader);
  const root = reader.trailer.get('Root');
  const catalogRef = root instanceof PdfRef ? root : reader.catalogRef;
  const info = reader.trailer.get('Info');
  walker.walk([[catalogRef, 'catalog']], true);
  walker.walkDeferred();
  walker.walk([[info, 'info']], false);
  return {
    objects: walker.objects,
    catalogRef,
    infoRef: info instanceof PdfRef ? info : undefined,
  };
}
