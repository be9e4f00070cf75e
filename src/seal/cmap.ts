/**
 * ToUnicode CMap (ISO 32000-1 §9.10.3): maps each 2-byte CID we write to the text it stands for, so
 * that copy, search and pdftotext give the signer's name back. Written by hand because it is a short
 * fixed PostScript template; no library in our stack emits it on its own.
 */

function utf16beHex(text: string): string {
  let hex = '';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return hex;
}

export const cidHex = (cid: number): string => cid.toString(16).toUpperCase().padStart(4, '0');

/** `mappings`: CID → text (one or more code points, written as UTF-16BE with surrogates). */
export function toUnicodeCMap(mappings: ReadonlyMap<number, string>): string {
  const entries = [...mappings].sort((a, b) => a[0] - b[0]);
  const lines = [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
  ];
  // A bfchar block holds at most 100 entries (§9.7.6.2, PostScript implementation limit).
  for (let i = 0; i < entries.length; i += 100) {
    const block = entries.slice(i, i + 100);
    lines.push(`${block.length} beginbfchar`);
    for (const [cid, text] of block) lines.push(`<${cidHex(cid)}> <${utf16beHex(text)}>`);
    lines.push('endbfchar');
  }
  lines.push('endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end');
  return `${lines.join('\n')}\n`;
}
