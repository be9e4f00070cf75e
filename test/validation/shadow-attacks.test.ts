/**
 * Shadow attacks (Mainka, Mladenov, Rohlmann 2021: hide, replace, hide-and-replace) and the
 * forgeries of issue #14, built as byte-level incremental updates on documents our signer sealed
 * with no DocMDP and with P=1/2/3. The attacker prepared the document before it was sealed: planted
 * unreachable objects (a second catalog, a page, an overlay annotation), a content stream that is
 * also /Info and carries /Type /DSS, another that is the catalog's /Metadata, and a reference to an
 * object that does not exist yet. No variant may pass, each must name what changed in Japanese and
 * English, and none is reported as HASH_FAILURE (the signed bytes are intact). pdftotext (poppler)
 * shows that the replacing variants really change the text a reader extracts. /Perms is judged as
 * ISO 32000 allows: the certification (/DocMDP) never changes after signing, a usage-rights signature
 * (/UR3) signed in its own revision counts as signing (allowed from P=2).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { serializePdf } from '../../src/pdf/index.ts';
import { type ValidationReport, validatePdf } from '../../src/validation/index.ts';
import { run } from '../helpers/run.ts';
import {
  appendPermsSignature,
  appendRaw,
  appendXrefStream,
  FORGED_TEXT,
  lastRevision,
  OVERLAY,
  objectStream,
  rewrite,
  stream,
  withItems,
} from './attacks.ts';
import { type Corpus, openCorpus } from './corpus.ts';

type Base = 'none' | 'P1' | 'P2' | 'P3';
const BASES: readonly Base[] = ['none', 'P1', 'P2', 'P3'];

let corpus: Corpus;
const signed = new Map<Base, Buffer>();

/** The attacker's document: the sample contract plus planted objects, all unreachable or harmless when sealed. */
async function preparedDocument(): Promise<string> {
  const sample = readFileSync(corpus.input);
  const text1 = 'BT /F1 24 Tf 72 720 Td (shomei sample page 1) Tj ET q /Fm Do Q';
  const text2 = 'BT /F1 24 Tf 72 720 Td (shomei sample page 2) Tj ET';
  const page = (parent: number, contents: string, xobject = '') =>
    `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >>${xobject} >> /Contents ${contents} >>`;
  const prepared = await appendRaw(sample, {
    objects: [
      { number: 1, body: '<< /Type /Catalog /Pages 2 0 R /Metadata 8 0 R >>' },
      // Page 1 also draws the form XObject 99, which does not exist when the document is sealed.
      { number: 5, body: page(2, '6 0 R', ' /XObject << /Fm 99 0 R >>') },
      { number: 6, body: stream(text1, ' /Type /DSS') },
      { number: 8, body: stream(text2, ' /Type /Metadata /Subtype /XML') },
      { number: 20, body: '<< /Type /Catalog /Pages 21 0 R >>' },
      { number: 21, body: '<< /Type /Pages /Kids [22 0 R] /Count 1 >>' },
      { number: 22, body: page(21, '23 0 R') },
      { number: 23, body: stream(FORGED_TEXT) },
      { number: 24, body: '<< /Type /Annot /Subtype /Square /Rect [0 0 595 842] /AP << /N 25 0 R >> >>' },
      {
        number: 25,
        body: stream(
          OVERLAY,
          ' /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>',
        ),
      },
    ],
    trailer: { Info: '6 0 R' },
  });
  const file = corpus.file('prepared.pdf');
  writeFileSync(file, prepared);
  return file;
}

before(async () => {
  corpus = await openCorpus();
  const source = await preparedDocument();
  for (const base of BASES) {
    const docMdp = base === 'none' ? undefined : (Number(base.slice(1)) as 1 | 2 | 3);
    const file = await corpus.sign('B-B', { source, ...(docMdp ? { docMdp } : {}) });
    signed.set(base, readFileSync(file));
  }
});
after(async () => corpus.close());

const validate = (bytes: Buffer): Promise<ValidationReport> =>
  validatePdf(bytes, { trustAnchors: [corpus.root], online: true, fetcher: corpus.fetcher });

interface Attack {
  readonly name: string;
  /** Bases it applies to: overlays are annotations, which P=3 and no DocMDP permit by design. */
  readonly bases: readonly Base[];
  /** What the first reason must name (English). */
  readonly names: RegExp;
  /** pdftotext of the forged file shows the forged text. */
  readonly replacesText?: boolean;
  build(bytes: Buffer): Promise<Buffer>;
}

const overlayWidget = (n: number, page: number) =>
  `<< /Type /Annot /Subtype /Widget /FT /Sig /T (overlay) /F 4 /Rect [0 0 595 842] /P ${page} 0 R /AP << /N ${n + 1} 0 R >> >>`;
const overlayXObject = stream(
  OVERLAY,
  ' /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>',
);

const ATTACKS: readonly Attack[] = [
  {
    name: 'trailer /Root to a new catalog with a new page tree',
    bases: BASES,
    names: /\/Root points at another document catalog/,
    replacesText: true,
    async build(bytes) {
      const { size, catalog } = await lastRevision(bytes);
      return appendRaw(bytes, {
        objects: [
          // The forged catalog keeps the form, so the signatures still show in the new document.
          { number: size, body: rewrite(catalog, { Pages: `${size + 1} 0 R` }) },
          { number: size + 1, body: `<< /Type /Pages /Kids [${size + 2} 0 R] /Count 1 >>` },
          {
            number: size + 2,
            body: `<< /Type /Page /Parent ${size + 1} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${size + 3} 0 R >>`,
          },
          { number: size + 3, body: stream(FORGED_TEXT) },
        ],
        trailer: { Root: `${size} 0 R` },
      });
    },
  },
  {
    name: 'trailer /Root to a catalog planted inside the signed bytes',
    bases: BASES,
    names: /\/Root points at another document catalog/,
    replacesText: true,
    build: (bytes) => appendRaw(bytes, { objects: [], trailer: { Root: '20 0 R' } }),
  },
  {
    name: 'page content that is also /Info and carries /Type /DSS rewritten',
    bases: BASES,
    names: /page content/,
    replacesText: true,
    build: (bytes) =>
      appendRaw(bytes, { objects: [{ number: 6, body: stream(FORGED_TEXT, ' /Type /DSS') }] }),
  },
  {
    name: 'page content that is also the catalog /Metadata rewritten',
    bases: BASES,
    names: /page content/,
    build: (bytes) =>
      appendRaw(bytes, {
        objects: [{ number: 8, body: stream(FORGED_TEXT, ' /Type /Metadata /Subtype /XML') }],
      }),
  },
  {
    name: '/AcroForm re-pointed to a new dictionary with /XFA',
    bases: BASES,
    names: /XFA|form \(\/AcroForm\)/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const form = last.acroFormDict!;
      return appendRaw(bytes, {
        objects: [
          { number: last.size, body: rewrite(form, { XFA: `${last.size + 1} 0 R` }) },
          { number: last.size + 1, body: stream('<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>') },
          { number: last.catalogNumber, body: rewrite(last.catalog, { AcroForm: `${last.size} 0 R` }) },
        ],
      });
    },
  },
  {
    name: '/AcroForm re-pointed to a new dictionary with /NeedAppearances',
    bases: BASES,
    names: /form \(\/AcroForm\)/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      return appendRaw(bytes, {
        objects: [
          { number: last.size, body: rewrite(last.acroFormDict!, { NeedAppearances: 'true' }) },
          { number: last.catalogNumber, body: rewrite(last.catalog, { AcroForm: `${last.size} 0 R` }) },
        ],
      });
    },
  },
  {
    name: '/OpenAction with JavaScript added to the catalog',
    bases: BASES,
    names: /document catalog/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const action = '<< /S /JavaScript /JS (app.alert\\(1\\)) >>';
      return appendRaw(bytes, {
        objects: [{ number: last.catalogNumber, body: rewrite(last.catalog, { OpenAction: action }) }],
      });
    },
  },
  {
    name: 'page 1 replaced in the page tree',
    bases: BASES,
    names: /page tree/,
    replacesText: true,
    build: (bytes) =>
      appendRaw(bytes, {
        objects: [{ number: 2, body: '<< /Type /Pages /Kids [22 0 R 7 0 R] /Count 2 >>' }],
      }),
  },
  {
    name: 'a page added to the page tree',
    bases: BASES,
    names: /page tree/,
    build: (bytes) =>
      appendRaw(bytes, {
        objects: [{ number: 2, body: '<< /Type /Pages /Kids [5 0 R 7 0 R 22 0 R] /Count 3 >>' }],
      }),
  },
  {
    name: 'page content redefined with generation 1',
    bases: BASES,
    names: /removed|page content/,
    build: (bytes) =>
      appendRaw(bytes, { objects: [{ number: 6, generation: 1, body: stream(FORGED_TEXT) }] }),
  },
  {
    name: 'xref entry of the page content pointed at a decoy object',
    bases: BASES,
    names: /page content|cannot be analysed/,
    build: (bytes) => appendRaw(bytes, { objects: [], pointAt: new Map([[6, bytes.indexOf('23 0 obj')]]) }),
  },
  {
    name: 'object missing when sealed defined afterwards (a form XObject page 1 draws)',
    bases: BASES,
    names: /defined afterwards|defined after signing/,
    replacesText: true,
    build: (bytes) => appendRaw(bytes, { objects: [{ number: 99, body: overlayXObject }] }),
  },
  {
    name: 'font of the page resources replaced',
    bases: BASES,
    names: /page content/,
    build: (bytes) =>
      appendRaw(bytes, {
        objects: [{ number: 3, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>' }],
      }),
  },
  {
    name: 'a freed overlay annotation still listed in page 1 /Annots',
    bases: BASES,
    names: /removed/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const annots = withItems(last.annots1, `${last.size} 0 R`);
      return appendRaw(bytes, {
        objects: [
          {
            number: last.size,
            freed: true,
            body: '<< /Type /Annot /Subtype /Square /Rect [0 0 595 842] /AP << /N 25 0 R >> >>',
          },
          { number: last.page1.number, body: rewrite(last.page1.dict, { Annots: annots }) },
        ],
      });
    },
  },
  {
    name: 'an overlay annotation planted inside the signed bytes shown on page 1',
    bases: ['P1', 'P2'],
    names: /annotation was added/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      return appendRaw(bytes, {
        objects: [
          {
            number: last.page1.number,
            body: rewrite(last.page1.dict, { Annots: withItems(last.annots1, '24 0 R') }),
          },
        ],
      });
    },
  },
  {
    name: 'an overlay annotation written directly (not as an object) into page 1 /Annots',
    bases: ['P1', 'P2'],
    names: /written directly into its annotation list/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const direct = '<< /Type /Annot /Subtype /Square /Rect [0 0 595 842] /AP << /N 25 0 R >> >>';
      return appendRaw(bytes, {
        objects: [
          {
            number: last.page1.number,
            body: rewrite(last.page1.dict, { Annots: withItems(last.annots1, direct) }),
          },
        ],
      });
    },
  },
  {
    name: 'an unsigned signature widget with an opaque appearance over page 1',
    bases: ['P1', 'P2'],
    names: /unsigned signature field/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const n = last.size;
      const form = last.acroFormDict!;
      const fields = withItems(
        form.get('Fields') ? serializePdf(form.get('Fields')!).toString('latin1') : '[]',
        `${n} 0 R`,
      );
      const formObject = last.acroForm
        ? { number: last.acroForm.number, body: rewrite(form, { Fields: fields }) }
        : {
            number: last.catalogNumber,
            body: rewrite(last.catalog, { AcroForm: rewrite(form, { Fields: fields }) }),
          };
      return appendRaw(bytes, {
        objects: [
          { number: n, body: overlayWidget(n, last.page1.number) },
          { number: n + 1, body: overlayXObject },
          {
            number: last.page1.number,
            body: rewrite(last.page1.dict, { Annots: withItems(last.annots1, `${n} 0 R`) }),
          },
          formObject,
        ],
      });
    },
  },
  {
    name: '/Perms /DocMDP pointed at a new certification signed in its revision',
    bases: BASES,
    names: /certification \(\/Perms \/DocMDP\) was added, replaced or removed/,
    build: (bytes) => appendPermsSignature(bytes, { entry: 'DocMDP', signedInRevision: true }),
  },
  {
    name: '/Perms /DocMDP removed (the certification lifted for viewers)',
    bases: ['P1', 'P2', 'P3'],
    names: /certification \(\/Perms \/DocMDP\) was added, replaced or removed/,
    async build(bytes) {
      const last = await lastRevision(bytes);
      const catalog = last.catalog.clone();
      catalog.delete('Perms');
      return appendRaw(bytes, {
        objects: [{ number: last.catalogNumber, body: serializePdf(catalog).toString('latin1') }],
      });
    },
  },
  {
    name: 'a usage-rights signature (/Perms /UR3) whose byte range does not end with its revision',
    bases: BASES,
    names: /document catalog|signature value|permissions \(\/Perms\)/,
    build: (bytes) => appendPermsSignature(bytes, { entry: 'UR3', signedInRevision: false }),
  },
  {
    name: 'a revision after the last %%EOF that redefines the page content',
    bases: BASES,
    names: /After the last %%EOF/,
    build: (bytes) =>
      appendRaw(bytes, { objects: [{ number: 6, body: stream(FORGED_TEXT) }], withoutEof: true }),
  },
];

const pdftotext = (file: string): string => {
  const result = run('pdftotext', ['-q', file, '-']);
  return result.stdout;
};

describe('shadow attacks and forged revisions on sealed documents', () => {
  it('every sealed base passes before it is attacked, and its text is the signed text', async () => {
    for (const [base, bytes] of signed) {
      const report = await validate(bytes);
      assert.equal(
        report.indication,
        'TOTAL_PASSED',
        `${base}: ${JSON.stringify(report.signatures[0]?.reasons)}`,
      );
    }
    const file = corpus.file('base-none.pdf');
    writeFileSync(file, signed.get('none')!);
    assert.doesNotMatch(pdftotext(file), /PAY 1,000,000/);
  });

  for (const attack of ATTACKS) {
    it(`${attack.name}: never passes, names the change, not HASH_FAILURE`, async () => {
      for (const base of attack.bases) {
        const forged = await attack.build(signed.get(base)!);
        const report = await validate(forged);
        const label = `${attack.name} on ${base}`;
        assert.notEqual(report.indication, 'TOTAL_PASSED', label);
        const s1 = report.signatures[0]!;
        assert.notEqual(s1.indication, 'TOTAL_PASSED', label);
        assert.notEqual(s1.subIndication, 'HASH_FAILURE', label);
        assert.match(s1.reasons[0]!.en, attack.names, `${label}: ${s1.reasons[0]!.en}`);
        assert.match(s1.reasons[0]!.ja, /[ぁ-んァ-ン一-龥]/, label);
        assert.ok(s1.reasons[0]!.ja.length > 10 && !s1.reasons[0]!.ja.includes(s1.reasons[0]!.en), label);
        if (attack.replacesText && base === 'none') {
          const file = corpus.file(`forged-${ATTACKS.indexOf(attack)}.pdf`);
          writeFileSync(file, forged);
          assert.match(pdftotext(file), /PAY 1,000,000/, `${label}: poppler shows the forged text`);
        }
      }
    });
  }

  it('an object stream rewritten without listing the object it holds: page 2 shows page 1, never passes', async () => {
    const page2 =
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 8 0 R >>';
    const source = corpus.file('object-stream.pdf');
    writeFileSync(
      source,
      await appendXrefStream(
        readFileSync(corpus.input),
        [{ number: 30, body: objectStream(7, page2) }],
        new Map([[7, [30, 0] as const]]),
      ),
    );
    const sealed = readFileSync(await corpus.sign('B-B', { source }));
    assert.equal((await validate(sealed)).indication, 'TOTAL_PASSED');
    // Only object 30 (the stream) gets a new xref entry; object 7 inside it changes all the same.
    const forged = await appendXrefStream(
      sealed,
      [{ number: 30, body: objectStream(7, page2.replace('8 0 R', '6 0 R')) }],
      new Map(),
    );
    const file = corpus.file('object-stream-forged.pdf');
    writeFileSync(file, forged);
    assert.match(pdftotext(file), /sample page 1[\s\S]*sample page 1/, 'poppler shows page 1 twice');
    const s1 = (await validate(forged)).signatures[0]!;
    assert.equal(s1.indication, 'INDETERMINATE');
    assert.equal(s1.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.match(s1.reasons[0]!.en, /page 2 \(object 7\)/);
    assert.match(s1.reasons[0]!.ja, /2 ページ目/);
  });
});

describe('/Perms changes judged as ISO 32000 allows them', () => {
  it('a usage-rights signature (/Perms /UR3) signed in its own revision is signing: passes without DocMDP and at P=2/3, is named and refused at P=1', async () => {
    for (const base of BASES) {
      const updated = await appendPermsSignature(signed.get(base)!, { entry: 'UR3', signedInRevision: true });
      const s1 = (await validate(updated)).signatures[0]!;
      const rules = s1.modifications?.changes.map((c) => c.rule) ?? [];
      assert.ok(rules.includes('catalog-usage-rights'), `${base}: ${rules}`);
      // Without DocMDP the base has no /Perms, so a new indirect one is judged by the /Perms rules too.
      if (base === 'none') assert.ok(rules.includes('perms-usage-rights'), `${base}: ${rules}`);
      if (base === 'P1') {
        assert.equal(s1.indication, 'INDETERMINATE', base);
        assert.equal(s1.subIndication, 'SIG_CONSTRAINTS_FAILURE', base);
        assert.match(s1.reasons[0]!.en, /usage-rights signature \(\/Perms \/UR3\) signed in this revision/);
        assert.match(s1.reasons[0]!.ja, /利用権限署名（\/Perms \/UR3）/);
      } else {
        assert.equal(s1.indication, 'TOTAL_PASSED', `${base}: ${JSON.stringify(s1.reasons)}`);
        assert.equal(s1.modifications?.level, 'FORM_FILLING', base);
        assert.ok(
          s1.modifications?.changes.every((c) => c.allowed),
          base,
        );
      }
    }
  });
});
