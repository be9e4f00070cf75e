// Builds the prebuilt JavaScript of the command and the worker threads' jobs into the directory given
// (scripts/setup.sh, ADR 031, ADR 038), and lists the sources it was built from in sources.txt there.
// Three choices for start-up time (ADR 038):
// - `shomei verify` and `shomei sign` are bundles of their own, not split with the other commands:
//   esbuild's splitting decides chunks for all entries at once, so through the barrels (validation →
//   ades → embedded signing) the chunks verify loaded held the HSM, the CA, the TSA and the database
//   (1.2 MB; 0.3 MB alone), and sign's held fastify and the routes.
// In those two bundles only (the split build stays as ADR 031 made it):
// - shomei's own modules are side-effect free to the bundler, so a barrel import (`…/index.ts`) brings
//   only the modules whose exports are used;
// - the ASN.1 packages (asn1js, @peculiar/asn1-*: pure JavaScript, ~200 small CommonJS files), kysely
//   and zod (pure JavaScript, ~400 small ES modules between them: resolving them cost more CPU than
//   running them, ADR 043) are bundled into the chunks that use them; every other package stays
//   external, one copy in node_modules.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src') + path.sep;
const outdir = path.resolve(process.argv[2] ?? 'dist/cli');
const BUNDLED = /^(asn1js|@peculiar\/asn1-[a-z0-9-]+|kysely|zod)$/;
// What the bundled packages bring with them; anything else from node_modules in the build is an error.
const BUNDLED_WITH = /^(asn1js|pvtsutils|pvutils|tslib|kysely|zod|@peculiar\/(asn1-[a-z0-9-]+|utils))$/;

const dependencies = Object.keys(
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies,
);

/** shomei's modules, resolved as usual, marked free of side effects. */
const sourcesSideEffectFree = {
  name: 'sources-side-effect-free',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'inner' || !args.importer.startsWith(src)) return undefined;
      const { path: resolved, errors } = await plugin.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      if (errors.length > 0) return { errors };
      return resolved.startsWith(src) ? { path: resolved, sideEffects: false } : undefined;
    });
  },
};

/**
 * Commands built apart (see above), with the function each registers its commands with. The command
 * table's `import('./commands/<name>.ts')` loads them, as `<name>.js`: a small ES module written below
 * that runs `<name>.cjs` through V8's code cache (ADR 044). bin/shomei.js runs `<name>.cjs` itself, by its
 * `main`, without the command table, its chunks or the ES module loader (ADR 053).
 */
const REGISTERS = { verify: 'registerVerifyCommands', sign: 'registerSignCommands' };
const APART = Object.keys(REGISTERS);

/** Each bundle's entry: the command's module, plus `main`, which runs the program with it alone. */
const apartEntries = {
  name: 'apart-entries',
  setup(plugin) {
    plugin.onResolve({ filter: /^shomei-apart:/ }, (args) => ({ path: args.path, namespace: 'apart' }));
    plugin.onLoad({ filter: /.*/, namespace: 'apart' }, (args) => {
      const name = args.path.slice('shomei-apart:'.length);
      return {
        resolveDir: root,
        loader: 'js',
        contents: [
          `import { ${REGISTERS[name]} } from './src/cli/commands/${name}.ts';`,
          "import { runApart } from './src/cli/program.ts';",
          `export { ${REGISTERS[name]} };`,
          `export const main = (argv) => runApart(argv, ${REGISTERS[name]});`,
        ].join('\n'),
      };
    });
  },
};
const commandsApart = {
  name: 'commands-apart',
  setup(plugin) {
    plugin.onResolve({ filter: new RegExp(`^\\./commands/(${APART.join('|')})\\.ts$`) }, (args) =>
      args.importer === path.join(src, 'cli', 'index.ts')
        ? { path: args.path.replace(/^\.\/commands\/(.*)\.ts$/, './$1.js'), external: true }
        : undefined,
    );
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...dependencies.filter((name) => !BUNDLED.test(name)), '*.node'],
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  outdir,
  entryNames: '[name]',
  metafile: true,
};
const builds = await Promise.all([
  build({
    ...common,
    entryPoints: {
      shomei: 'src/cli/index.ts',
      'work-jobs': 'src/app/work-jobs.ts',
      'bundle-loader': 'src/cli/bundle-loader.ts',
    },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // Without comments, as the bundles apart below: a chunk with one comment that is not ASCII is held
    // by V8 as a two-byte string for as long as the server or a worker thread runs (ADR 052).
    minifyWhitespace: true,
    // The server and the worker threads keep ADR 031's build. ADR 038 kept them off the two choices
    // below after a stopped server's C_Finalize failed (CKR_CRYPTOKI_NOT_INITIALIZED); ADR 045 found
    // that cause (a home removed during the stop, either build) and fixed it.
    external: [...dependencies, '*.node'],
    plugins: [commandsApart],
  }),
  ...APART.map((name) =>
    build({
      ...common,
      entryPoints: { [name]: `shomei-apart:${name}` },
      plugins: [apartEntries, sourcesSideEffectFree],
      // CommonJS, which vm.Script compiles with a code cache (ADR 044). `import.meta` becomes the
      // bundle's own file, as it was for the ES module bundle; `import()` of a package becomes
      // require() (a vm.Script has no loader of its own for import() without an experimental flag).
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
      // The ASN.1 schemas' ES module builds (`module`), as asn1js, tslib and zod already are: their
      // CommonJS builds (`main`, esbuild's first choice for node) made every require() of an ES module
      // among them a fresh copy of its exports (__toCommonJS, ~10 ms of each command, ADR 050).
      mainFields: ['module', 'main'],
      // Without comments (esbuild keeps those in object literals and class bodies, some not ASCII) the
      // bundle is ASCII, which Node reads into a one-byte string in a fraction of a UTF-8 decode; names
      // are kept, so a stack trace still names its functions (ADR 044).
      minifyWhitespace: true,
      supported: { 'dynamic-import': false },
      banner: { js: 'const __shomei_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
      define: { 'import.meta.url': '__shomei_import_meta_url', 'import.meta.dirname': '__dirname' },
    }),
  ),
  // The loader again as CommonJS, which bin/shomei.js requires to run `verify` and `sign` without
  // starting the ES module loader (ADR 053).
  build({
    ...common,
    entryPoints: { 'bundle-loader': 'src/cli/bundle-loader.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  }),
]);

// Each bundle apart gets the ES module the command table imports. Its first code cache is written by
// scripts/setup.sh once the build is in its place: V8 names the path a cache was made at in stack traces.
const { loadBundle } = await import(pathToFileURL(path.join(outdir, 'bundle-loader.js')).href);
for (const name of APART) {
  const text = readFileSync(path.join(outdir, `${name}.cjs`));
  const offending = text.findIndex((byte) => byte > 0x7f);
  if (offending >= 0) {
    const around = text.subarray(Math.max(0, offending - 60), offending + 20).toString('utf8');
    console.error(`shomei build: ${name}.cjs is not ASCII (write the character as an escape): …${around}…`);
    process.exit(1);
  }
  const { exports } = loadBundle(path.join(outdir, `${name}.cjs`), 'never');
  const names = Object.keys(exports).filter((key) => key !== '__esModule');
  writeFileSync(
    path.join(outdir, `${name}.js`),
    [
      `// Written by scripts/build-cli.mjs: ${name}.cjs run through V8's code cache (ADR 044).`,
      "import { loadBundle } from './bundle-loader.js';",
      `const { exports } = loadBundle(new URL('./${name}.cjs', import.meta.url));`,
      ...names.map((key) => `export const ${key} = exports.${key};`),
      '',
    ].join('\n'),
  );
}

const inputs = [...new Set(builds.flatMap((result) => Object.keys(result.metafile.inputs)))];
const stray = [
  ...new Set(inputs.map((input) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter(Boolean)),
].filter((name) => !BUNDLED_WITH.test(name));
if (stray.length > 0) {
  console.error(
    `shomei build: packages bundled by accident (declare them in package.json): ${stray.join(' ')}`,
  );
  process.exit(1);
}
// The top-level help, which bin/shomei.js prints for `--help` without loading commander (ADR 043).
const { overviewHelp } = await import(pathToFileURL(path.join(outdir, 'shomei.js')).href);
writeFileSync(path.join(outdir, 'help.txt'), overviewHelp());
// The sources the build was made from, which bin/shomei.js and the work pool check (ADR 038).
const sourcesOf = (results) =>
  `${[...new Set(results.flatMap((result) => Object.keys(result.metafile.inputs)))]
    .filter((input) => input.startsWith('src/'))
    .join('\n')}\n`;
writeFileSync(path.join(outdir, 'sources.txt'), sourcesOf(builds));
// Those of each command built apart, which is all bin/shomei.js runs for it: its bundle and the
// CommonJS loader (ADR 053).
APART.forEach((name, index) => {
  writeFileSync(path.join(outdir, `${name}.sources.txt`), sourcesOf([builds[1 + index], builds.at(-1)]));
});
