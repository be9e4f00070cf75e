/** The person's name in a certificate subject (CN=山田 太郎, O=…): what a business user recognises. */
export function commonName(dn: string): string {
  const cn = /(?:^|,\s*)CN=((?:\\,|[^,])+)/.exec(dn)?.[1];
  return cn === undefined ? dn : cn.replace(/\\,/g, ',').trim();
}
