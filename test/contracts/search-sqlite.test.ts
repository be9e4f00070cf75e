/** 電子帳簿保存法 search on SQLite. */
import { after, before, describe } from 'node:test';
import { type ContractsHarness, openContractsHarness } from './harness.ts';
import { searchCases } from './search-cases.ts';

let h: ContractsHarness;
before(async () => {
  h = await openContractsHarness({ dialect: 'sqlite' });
});
after(async () => {
  await h?.close();
});

describe('envelope search on SQLite', () => searchCases(() => h, 'sqlite'));
