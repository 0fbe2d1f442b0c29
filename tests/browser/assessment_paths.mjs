// Browser test of the assessment main paths in Debian's chromium: the
// administrator registers a provider organisation and its user and a
// reviewer; the reviewer registers a service, opens an assessment against
// seed-004 and invites the provider; the provider answers every item on the
// checklist and submits; the reviewer returns one item with a reason, the
// provider answers it again and resubmits; the reviewer confirms every item
// and records the approval. axe-core checks the checklist and the register
// for WCAG 2.1 AA violations.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { SHOTS, USER_PW, assertAccessible, firstLogin, launch, setupAdmin, startServer } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kijun-browser-'));
const server = await startServer(dir);
const browser = await launch();
try {
  const { base, token } = server;
  const admin = await (await browser.newContext()).newPage();
  await setupAdmin(admin, base, token);

  // Tenant, reviewer, provider organisation and its user.
  await admin.goto(`${base}/admin/tenants`);
  await admin.getByLabel('名称').fill('A市');
  await admin.getByLabel('識別子').fill('city-a');
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('link', { name: 'A市' }).click();
  await admin.getByLabel('ユーザー名').fill('reviewer-a');
  await admin.getByLabel('表示名').fill('審査 花子');
  await admin.getByLabel('役割').selectOption('reviewer');
  await admin.getByLabel('初期パスワード').fill(USER_PW);
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('status').filter({ hasText: '利用者 reviewer-a を追加しました' }).waitFor();
  await admin.getByRole('link', { name: '事業者管理' }).click();
  await admin.getByLabel('組織名').fill('クラウド株式会社');
  await admin.getByLabel('区分').selectOption('provider');
  await admin.getByRole('button', { name: '登録する' }).click();
  await admin.getByRole('status').filter({ hasText: '組織 クラウド株式会社 を登録しました' }).waitFor();
  await admin.getByLabel('ユーザー名').fill('prov1');
  await admin.getByLabel('表示名').fill('提供 一郎');
  await admin.getByLabel('初期パスワード').fill(USER_PW);
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('status').filter({ hasText: '利用者 prov1 を追加しました' }).waitFor();

  // The reviewer registers the service and opens the assessment.
  const reviewer = await (await browser.newContext()).newPage();
  await firstLogin(reviewer, base, 'reviewer-a', '審査 花子');
  await reviewer.getByRole('heading', { name: 'ダッシュボード' }).waitFor();
  await assertAccessible(reviewer, 'dashboard');
  await reviewer.getByRole('link', { name: '外部サービス台帳' }).click();
  await assertAccessible(reviewer, 'service register');
  await reviewer.getByLabel('サービス名').fill('電子申請システム');
  await reviewer.getByLabel('利用目的').fill('住民からの申請受付');
  await reviewer.getByLabel('所管課').fill('情報政策課');
  await reviewer.getByLabel('外部サービス提供者').selectOption({ label: 'クラウド株式会社' });
  await reviewer.getByLabel('事業者が遠隔で保守を行う').uncheck();
  await reviewer.getByRole('button', { name: '登録する' }).click();
  await reviewer.getByRole('heading', { name: '電子申請システム' }).waitFor();
  await reviewer.getByLabel('段階').selectOption('selection');
  await reviewer.getByLabel(/情報セキュリティ要件一覧/).check();
  await reviewer.getByRole('button', { name: '審査を開始する' }).click();
  await reviewer.getByRole('heading', { name: '審査: 電子申請システム' }).waitFor();
  const assessmentUrl = reviewer.url();
  await reviewer.getByLabel('事業者の利用者').selectOption({ label: '提供 一郎（クラウド株式会社）' });
  await reviewer.getByLabel('立場').selectOption('provider');
  await reviewer.getByRole('button', { name: '招待する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '招待しました' }).waitFor();
  await assertAccessible(reviewer, 'checklist (reviewer)');

  // The provider answers its checklist and submits.
  const vendor = await (await browser.newContext()).newPage();
  await firstLogin(vendor, base, 'prov1', '提供 一郎');
  await vendor.getByRole('link', { name: '審査' }).click();
  await vendor.getByRole('link', { name: '電子申請システム' }).click();
  await vendor.getByRole('heading', { name: '審査: 電子申請システム' }).waitFor();
  await assertAccessible(vendor, 'checklist (vendor)');
  const saveButtons = vendor.getByRole('button', { name: /の回答を保存$/ });
  const total = await saveButtons.count();
  assert.equal(total, 36, 'seed-004 without remote maintenance: 36 provider items');
  // Drafts stay editable until submitted, so the rows keep their order.
  const rows = vendor.locator('tr:has(button[aria-label$="の回答を保存"])');
  for (let i = 0; i < total; i++) {
    const row = rows.nth(i);
    await row.getByLabel('回答', { exact: true }).selectOption('conforms');
    await row.getByLabel('説明').fill('対応済み（規程 第3条）');
    await row.getByRole('button', { name: /の回答を保存$/ }).click();
    await vendor.waitForLoadState('load');
  }
  assert.equal(await saveButtons.count(), total, 'drafts stay editable');
  // Evidence: a PDF through the form, listed with its SHA-256; a disguised executable is refused.
  await vendor.getByLabel(/^証跡ファイル/).setInputFiles({ name: '情報セキュリティ規程.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n規程本文') });
  await vendor.getByRole('button', { name: '登録する' }).click();
  await vendor.getByRole('status').filter({ hasText: '証跡ファイルを登録しました' }).waitFor();
  await vendor.getByRole('link', { name: '情報セキュリティ規程.pdf' }).waitFor();
  await vendor.getByLabel(/^証跡ファイル/).setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 not a pdf') });
  await vendor.getByRole('button', { name: '登録する' }).click();
  await vendor.getByRole('alert').waitFor();
  await vendor.getByRole('button', { name: '回答を提出する' }).click();
  await vendor.getByRole('status').filter({ hasText: '回答を提出しました' }).waitFor();
  assert.equal(await saveButtons.count(), 0, 'submitted answers are frozen');

  // The reviewer returns one item with a reason (and sees the provider's evidence).
  await reviewer.goto(assessmentUrl);
  await reviewer.getByRole('link', { name: '情報セキュリティ規程.pdf' }).waitFor();
  const first = reviewer.locator('tr', { has: reviewer.getByRole('button', { name: /を差し戻す$/ }) }).first();
  await first.getByLabel('差戻しの理由').fill('根拠資料を添付してください');
  await first.getByRole('button', { name: /を差し戻す$/ }).click();
  await reviewer.waitForLoadState('load');

  // The provider sees the reason, answers again and resubmits.
  await vendor.reload();
  await vendor.getByText('指摘: 根拠資料を添付してください').waitFor();
  assert.equal(await saveButtons.count(), 1, 'only the returned item is open again');
  const again = vendor.locator('tr', { has: saveButtons }).first();
  await again.getByLabel('回答', { exact: true }).selectOption('conforms');
  await again.getByLabel('説明').fill('規程を添付しました');
  await again.getByRole('button', { name: /の回答を保存$/ }).click();
  await vendor.waitForLoadState('load');
  await vendor.getByRole('button', { name: '回答を提出する' }).click();
  await vendor.getByRole('status').filter({ hasText: '回答を提出しました' }).waitFor();
  assert.equal(await saveButtons.count(), 0);

  // The reviewer confirms every item and approves.
  await reviewer.goto(assessmentUrl);
  const confirm = reviewer.getByRole('button', { name: /を確認$/ });
  const toConfirm = await confirm.count();
  assert.equal(toConfirm, 36);
  for (let i = 0; i < toConfirm; i++) {
    await reviewer.locator('button[aria-label$="を確認"]').first().click();
    await reviewer.waitForLoadState('load');
    const done = await reviewer.locator('td', { hasText: '確認済み' }).count();
    assert.equal(done, i + 1, 'one more item confirmed');
  }
  await reviewer.getByText('回答から算出した判定: 承認').waitFor();
  await reviewer.getByLabel('判定', { exact: true }).selectOption('approved');
  await reviewer.getByLabel('判定理由').fill('すべての要求事項への適合を確認した');
  await reviewer.getByRole('button', { name: '判定を記録する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '判定を記録しました' }).waitFor();
  await reviewer.getByText('判定: 承認').waitFor();
  if (SHOTS) await reviewer.screenshot({ path: join(SHOTS, 'checklist-decided.png'), fullPage: true });
  console.log('browser: 1 passed, 0 failed');
} finally {
  await browser.close();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
