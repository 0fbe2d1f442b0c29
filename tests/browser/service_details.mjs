// Browser test of the service register's record in Debian's chromium: a
// reviewer, with JavaScript turned off (every flow is plain HTML forms),
// registers a service and edits its contract period and data locations
// (first with an end date before the start: the error is shown next to the
// field and nothing is saved), its ISMAP registration, a certification
// (added, then edited) and a subcontractor chain three tiers deep, then
// removes a tier with its subtree after confirming. The API returns what the
// forms saved. A viewer sees everything read-only and gets 403 on the edit
// forms. axe-core checks the service page, an edit page with errors and a
// subcontractor's edit page for WCAG 2.1 AA violations. Then the service's
// oversight page (運用監督): an outage refused at its field, registered and
// closed through the forms; axe-core checks the oversight page (also with
// an error, and as a viewer), a deliverable's page, the SLA settings and
// the tenant's notification channels (with an error).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { SHOTS, USER_PW, assertAccessible, firstLogin, launch, setupAdmin, startServer } from './lib.mjs';

// A link or button whose visible text is followed by visually hidden text
// (the accessible name may have a space between the two).
const named = (visible, hidden) =>
  new RegExp(`^${visible}\\s*（${hidden.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}）$`);

const dir = mkdtempSync(join(tmpdir(), 'kijun-browser-'));
const server = await startServer(dir);
const browser = await launch();
try {
  const { base, token } = server;
  const admin = await (await browser.newContext()).newPage();
  await setupAdmin(admin, base, token);

  // Tenant, a reviewer and a viewer.
  await admin.goto(`${base}/admin/tenants`);
  await admin.getByLabel('名称').fill('A市');
  await admin.getByLabel('識別子').fill('city-a');
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('link', { name: 'A市' }).click();
  for (const [username, name, role] of [['reviewer-a', '審査 花子', 'reviewer'], ['viewer-a', '閲覧 次郎', 'viewer']]) {
    await admin.getByLabel('ユーザー名').fill(username);
    await admin.getByLabel('表示名').fill(name);
    await admin.getByLabel('役割', { exact: true }).selectOption(role);
    await admin.getByLabel('初期パスワード').fill(USER_PW);
    await admin.getByRole('button', { name: '追加する' }).click();
    await admin.getByRole('status').filter({ hasText: `利用者 ${username} を追加しました` }).waitFor();
  }

  // The reviewer works without JavaScript.
  const reviewerContext = await browser.newContext({ javaScriptEnabled: false });
  const reviewer = await reviewerContext.newPage();
  await firstLogin(reviewer, base, 'reviewer-a', '審査 花子');
  await reviewer.getByRole('link', { name: '外部サービス台帳' }).click();
  await reviewer.getByLabel('サービス名').fill('電子申請システム');
  await reviewer.getByLabel('利用目的').fill('住民からの申請受付');
  await reviewer.getByLabel('所管課').fill('情報政策課');
  await reviewer.getByRole('button', { name: '登録する' }).click();
  await reviewer.getByRole('heading', { level: 1, name: '電子申請システム' }).waitFor();
  await reviewer.getByRole('status').filter({ hasText: 'サービスを登録しました' }).waitFor();
  const serviceUrl = reviewer.url().replace(/\?.*$/, '');
  const serviceId = serviceUrl.split('/').pop();

  // Contract: an end before the start is refused next to the field, nothing saved.
  await reviewer.getByRole('link', { name: '契約・データの所在を編集する' }).click();
  await reviewer.getByLabel('契約開始日').fill('2026-04-01');
  await reviewer.getByLabel('契約終了日').fill('2025-03-31');
  await reviewer.getByLabel('データの保存場所').fill('日本（東京リージョン）\n日本（大阪リージョン）');
  await reviewer.getByLabel('準拠法').fill('日本法');
  await reviewer.getByLabel('管轄裁判所').fill('東京地方裁判所');
  await reviewer.getByRole('button', { name: '保存する' }).click();
  await reviewer.getByRole('alert').filter({ hasText: '入力内容に誤りがあります（1 件）' }).waitFor();
  const endError = reviewer.locator('#contract_end-error');
  assert.match(await endError.textContent(), /契約終了日は契約開始日（2026年4月1日）以降の日付にしてください/);
  assert.equal(await reviewer.getByLabel('契約終了日').getAttribute('aria-invalid'), 'true');
  assert.match(await reviewer.getByLabel('契約終了日').getAttribute('aria-describedby'), /contract_end-error/);
  assert.equal(await reviewer.getByLabel('準拠法').inputValue(), '日本法', 'the input is kept');
  if (SHOTS) await reviewer.screenshot({ path: join(SHOTS, 'service-contract-error.png'), fullPage: true });
  let api = await (await reviewer.request.get(`${base}/api/v1/services/${serviceId}`)).json();
  assert.equal(api.details.details.contract_start, null, 'nothing saved');
  await reviewer.getByLabel('契約終了日').fill('2031-03-31');
  await reviewer.getByRole('button', { name: '保存する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '契約・データの所在を保存しました' }).waitFor();
  await reviewer.getByRole('cell', { name: '2026年4月1日 から 2031年3月31日 まで' }).waitFor();
  await reviewer.getByRole('listitem').filter({ hasText: '日本（大阪リージョン）' }).waitFor();

  // ISMAP registration.
  await reviewer.getByRole('link', { name: '登録状況を編集する' }).click();
  await reviewer.getByLabel('ISMAP 登録番号').fill('C21-0001-1');
  await reviewer.getByLabel('ISMAP 登録の有効期限').fill('2027-03-31');
  await reviewer.getByRole('button', { name: '保存する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '登録状況' }).waitFor();
  const ismapRow = reviewer.getByRole('row').filter({ has: reviewer.getByRole('rowheader', { name: 'ISMAP', exact: true }) });
  assert.match(await ismapRow.textContent(), /C21-0001-1.*2027年3月31日/s);

  // A certification: added, then edited.
  await reviewer.getByRole('link', { name: '認証を追加する' }).click();
  await reviewer.getByLabel('認証の種類').selectOption('ISO/IEC 27001');
  await reviewer.getByLabel('認証機関').fill('JQA');
  await reviewer.getByLabel('適用範囲').fill('クラウドサービスの提供');
  await reviewer.getByLabel('有効期限').fill('2027-06-30');
  await reviewer.getByRole('button', { name: '追加する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '認証を追加しました' }).waitFor();
  await reviewer.getByRole('rowheader', { name: 'ISO/IEC 27001' }).waitFor();
  await reviewer.getByRole('link', { name: named('編集', 'ISO/IEC 27001') }).click();
  assert.equal(await reviewer.getByLabel('認証機関').inputValue(), 'JQA');
  await reviewer.getByLabel('認証の種類').selectOption('ISO/IEC 27017');
  await reviewer.getByLabel('認証機関').fill('BSI');
  await reviewer.getByRole('button', { name: '保存する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '認証を保存しました' }).waitFor();
  const certRow = reviewer.getByRole('row').filter({ has: reviewer.getByRole('rowheader', { name: 'ISO/IEC 27017' }) });
  assert.match(await certRow.textContent(), /BSI.*クラウドサービスの提供.*2027年6月30日/s);
  assert.equal(await reviewer.getByRole('rowheader', { name: 'ISO/IEC 27001' }).count(), 0, 'edited, not added');

  // A subcontractor chain three tiers deep.
  await reviewer.getByRole('link', { name: '再委託先（第1階層）を追加する' }).click();
  await reviewer.getByLabel('再委託先事業者名').fill('保守株式会社');
  await reviewer.getByLabel('再委託内容').fill('運用保守');
  await reviewer.getByLabel('情報セキュリティ責任者').fill('山田 一郎');
  await reviewer.getByLabel('個人情報管理者').fill('佐藤 花子');
  await reviewer.getByRole('button', { name: '追加する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '再委託先を追加しました' }).waitFor();
  for (const [parent, name, work] of [['保守株式会社', '孫請株式会社', '監視'], ['孫請株式会社', 'ひ孫請株式会社', '夜間監視']]) {
    await reviewer.getByRole('link', { name: named('この再委託先の下に追加', parent) }).click();
    await reviewer.getByText(`${parent} からの再委託先`).waitFor();
    await reviewer.getByLabel('再委託先事業者名').fill(name);
    await reviewer.getByLabel('再委託内容').fill(work);
    await reviewer.getByRole('button', { name: '追加する' }).click();
    await reviewer.getByRole('status').filter({ hasText: '再委託先を追加しました' }).waitFor();
  }
  await reviewer.getByRole('heading', { level: 3, name: '1 保守株式会社' }).waitFor();
  await reviewer.getByRole('heading', { level: 4, name: '1.1 孫請株式会社' }).waitFor();
  await reviewer.getByRole('heading', { level: 5, name: '1.1.1 ひ孫請株式会社' }).waitFor();
  assert.equal(await reviewer.locator('ol.subcontractors > li > ol > li > ol > li').filter({ hasText: 'ひ孫請株式会社' }).count(), 1,
    'the chain is nested lists');
  api = await (await reviewer.request.get(`${base}/api/v1/services/${serviceId}`)).json();
  const d = api.details.details;
  assert.equal(d.contract_start, '2026-04-01');
  assert.deepEqual(d.data_locations, ['日本（東京リージョン）', '日本（大阪リージョン）']);
  assert.deepEqual(d.ismap, { number: 'C21-0001-1', valid_until: '2027-03-31' });
  assert.deepEqual(d.certifications, [{ name: 'ISO/IEC 27017', issuer: 'BSI', scope: 'クラウドサービスの提供', valid_until: '2027-06-30' }]);
  assert.equal(d.subcontractors[0].subcontractors[0].subcontractors[0].name, 'ひ孫請株式会社');
  if (SHOTS) await reviewer.screenshot({ path: join(SHOTS, 'service-details.png'), fullPage: true });

  // axe (with JavaScript, as the administrator, who may edit too): the page,
  // a form showing errors, a subcontractor's edit page.
  await admin.goto(serviceUrl);
  await admin.getByRole('heading', { level: 5, name: '1.1.1 ひ孫請株式会社' }).waitFor();
  await assertAccessible(admin, 'service page');
  await admin.getByRole('link', { name: '認証を追加する' }).click();
  await admin.getByLabel('認証の種類').selectOption('other');
  await admin.getByLabel('認証機関').fill('監査法人');
  await admin.getByLabel('有効期限').fill('2027-01-01');
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.locator('#other_name-error').filter({ hasText: '認証の名称を入力してください' }).waitFor();
  await assertAccessible(admin, 'certification form with an error');
  await admin.goto(`${serviceUrl}/subcontractors/1.1`);
  await admin.getByRole('heading', { level: 1, name: '再委託先の編集: 孫請株式会社' }).waitFor();
  await assertAccessible(admin, 'subcontractor edit page');

  // Removing a tier with its subtree needs the confirmation.
  await reviewer.getByRole('link', { name: named('編集・削除', '孫請株式会社') }).click();
  await reviewer.getByRole('button', { name: 'この再委託先を削除する' }).click();
  await reviewer.locator('#confirm_subtree-error').waitFor();
  await reviewer.getByLabel('下位の再委託先 1 件も削除することを確認しました').check();
  await reviewer.getByRole('button', { name: 'この再委託先を削除する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '再委託先を削除しました' }).waitFor();
  await reviewer.getByRole('heading', { level: 3, name: '1 保守株式会社' }).waitFor();
  assert.equal(await reviewer.getByRole('heading', { name: /孫請株式会社/ }).count(), 0);

  // A viewer sees it all, read-only.
  const viewer = await (await browser.newContext()).newPage();
  await firstLogin(viewer, base, 'viewer-a', '閲覧 次郎');
  await viewer.goto(serviceUrl);
  await viewer.getByRole('rowheader', { name: 'ISO/IEC 27017' }).waitFor();
  await viewer.getByRole('heading', { level: 3, name: '1 保守株式会社' }).waitFor();
  assert.equal(await viewer.getByRole('link', { name: /編集/ }).count(), 0, 'no edit links');
  assert.equal(await viewer.getByRole('button', { name: /削除/ }).count(), 0, 'no delete buttons');
  await assertAccessible(viewer, 'service page (viewer)');
  const refused = await viewer.goto(`${serviceUrl}/contract`);
  assert.equal(refused.status(), 403);

  // The oversight page (運用監督), without JavaScript: an outage with its
  // end before its start is refused at the field, then registered and
  // closed; the API returns what the forms saved.
  await reviewer.goto(serviceUrl);
  await reviewer.getByRole('link', { name: /^運用監督（/ }).click();
  await reviewer.getByRole('heading', { level: 1, name: '運用監督: 電子申請システム' }).waitFor();
  let outageForm = reviewer.getByRole('form', { name: '障害・停止を登録する' });
  await outageForm.getByLabel('発生日時').fill('2026-05-11T01:00');
  await outageForm.getByLabel('復旧日時').fill('2026-05-10T01:00');
  await outageForm.getByLabel('検知').selectOption('monitoring');
  await outageForm.getByLabel('内容（必須）').fill('全機能停止');
  await outageForm.getByRole('button', { name: '登録する' }).click();
  await reviewer.getByRole('alert').filter({ hasText: '入力内容に誤りがあります' }).waitFor();
  assert.equal(await reviewer.locator('#new-outages-end').getAttribute('aria-invalid'), 'true');
  assert.match(await reviewer.locator('#new-outages-end').getAttribute('aria-describedby'), /new-outages-end-error/);
  outageForm = reviewer.getByRole('form', { name: '障害・停止を登録する' });
  assert.equal(await outageForm.getByLabel('内容（必須）').inputValue(), '全機能停止', 'the input is kept');
  await outageForm.getByLabel('復旧日時').fill('');
  await outageForm.getByRole('button', { name: '登録する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '障害・停止を登録しました' }).waitFor();
  await reviewer.getByRole('rowheader', { name: '2026年5月11日 01:00' }).waitFor();
  await reviewer.getByText('2026年5月11日 01:00 の障害・停止: 復旧・対応を記録する').click();
  const closeForm = reviewer.getByRole('form', { name: '2026年5月11日 01:00 の障害・停止: 復旧・対応を記録する' });
  await closeForm.getByLabel('復旧日時').fill('2026-05-11T07:00');
  await closeForm.getByLabel('原因').fill('ディスク障害');
  await closeForm.getByRole('button', { name: '更新する' }).click();
  await reviewer.getByRole('status').filter({ hasText: '障害・停止を更新しました' }).waitFor();
  const outages = await (await reviewer.request.get(`${base}/api/v1/services/${serviceId}/outages`)).json();
  assert.equal(outages.length, 1);
  assert.equal(outages[0].start, '2026-05-10T16:00:00Z');
  assert.equal(outages[0].end, '2026-05-10T22:00:00Z');
  assert.equal(outages[0].cause, 'ディスク障害');

  // axe: the oversight page (with an error shown), a deliverable's page and
  // the SLA settings page, as the administrator; the page as a viewer.
  const oversightUrl = `${serviceUrl}/oversight`;
  await admin.goto(oversightUrl);
  await assertAccessible(admin, 'oversight page');
  const issueForm = admin.getByRole('form', { name: '課題・リスクを登録する' });
  await issueForm.getByLabel('件名').fill('担当者の退職');
  await issueForm.getByLabel('起票日').fill('2026-05-15');
  await issueForm.getByLabel('期限').fill('2026-05-01');
  await issueForm.getByRole('button', { name: '登録する' }).click();
  await admin.locator('#new-issues-due-error').waitFor();
  await assertAccessible(admin, 'oversight page with an error');
  await admin.goto(`${oversightUrl}/deliverables/implementation_plan/once`);
  await admin.getByRole('heading', { level: 1, name: '提出物: サービス実施計画書' }).waitFor();
  await assertAccessible(admin, 'deliverable page');
  await admin.goto(`${oversightUrl}/settings`);
  await admin.getByRole('heading', { level: 1, name: 'SLA 設定・稼働監視: 電子申請システム' }).waitFor();
  await assertAccessible(admin, 'SLA settings page');
  await admin.getByRole('link', { name: '通知先' }).click();
  await admin.getByRole('heading', { level: 1, name: '通知先: A市' }).waitFor();
  const channelForm = admin.getByRole('form', { name: '通知先を追加する' });
  await channelForm.getByLabel('方法（必須）').selectOption('webhook');
  await channelForm.getByLabel('名称（必須）').fill('監視基盤');
  await channelForm.getByLabel('URL（Webhook のとき）').fill('https://hooks.example.lg.jp/kijun');
  await channelForm.getByLabel('署名用の秘密鍵（Webhook のとき）').fill('short');
  await channelForm.getByRole('button', { name: '追加する' }).click();
  await admin.locator('#channel-secret-error').waitFor();
  await assertAccessible(admin, 'notification channels page with an error');
  await viewer.goto(oversightUrl);
  await viewer.getByRole('rowheader', { name: '2026年5月11日 01:00' }).waitFor();
  assert.equal(await viewer.getByRole('button', { name: '登録する' }).count(), 0, 'no forms');
  await assertAccessible(viewer, 'oversight page (viewer)');
  console.log('browser: 1 passed, 0 failed');
} finally {
  await browser.close();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
