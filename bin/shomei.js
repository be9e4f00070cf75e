#!/usr/bin/env node
// The `shomei` command. Sources are TypeScript run through tsx's loader, so the installed
// command and the tests execute the same files (docs/adr/001-typescript-without-build-step.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
