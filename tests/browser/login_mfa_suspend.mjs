// Browser test: in Debian's chromium, an administrator sets kijun up, logs
// in with a password and a TOTP code, creates a tenant and a user; the user
// logs in with MFA and changes the initial password; the administrator
// suspends the user with one click and the user's open session ends on the
// next request. Run by crates/kijun-cli/tests/browser.rs with KIJUN_BIN set.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ADMIN_PW, NEW_PW, SHOTS, USER_PW, enrollMfa, launch, login, startServer } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kijun-browser-'));
const server = await startServer(dir);
const browser = await launch();
try {
  const { base, token } = server;
  const admin = await (await browser.newContext()).newPage();

  // First-run setup in the browser.
  await admin.goto(`${base}/setup?token=${token}`);
  assert.equal(await admin.getAttribute('html', 'lang'), 'ja');
  await admin.getByLabel('ユーザー名').fill('admin');
  await admin.getByLabel('表示名').fill('管理者');
  await admin.getByLabel('パスワード', { exact: true }).fill(ADMIN_PW);
  await admin.getByRole('button', { name: '作成する' }).click();
  await admin.waitForURL('**/login');

  // A wrong password gets the generic message.
  await login(admin, base, 'admin', 'Wrong-Password#1');
  await admin.getByRole('alert').waitFor();
  assert.match(await admin.getByRole('alert').textContent(), /ログインできませんでした/);

  // Password, then TOTP enrolment with a code computed here.
  await login(admin, base, 'admin', ADMIN_PW);
  await enrollMfa(admin);
  await admin.getByRole('heading', { name: 'ようこそ、管理者 さん' }).waitFor();

  // The account page.
  await admin.getByRole('link', { name: 'アカウント' }).click();
  await admin.getByRole('heading', { name: 'アカウント' }).waitFor();
  assert.equal(await admin.getByRole('cell', { name: '登録済み' }).count(), 1, 'MFA shown as enrolled');

  // Tenant and user administration.
  await admin.getByRole('link', { name: '団体（テナント）管理' }).click();
  await admin.getByLabel('名称').fill('A市');
  await admin.getByLabel('識別子').fill('city-a');
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('status').filter({ hasText: '団体 A市 を追加しました' }).waitFor();
  await admin.getByRole('link', { name: 'A市' }).click();
  await admin.getByLabel('ユーザー名').fill('reviewer-a');
  await admin.getByLabel('表示名').fill('審査 花子');
  await admin.getByLabel('役割').selectOption('reviewer');
  await admin.getByLabel('初期パスワード').fill(USER_PW);
  await admin.getByRole('button', { name: '追加する' }).click();
  await admin.getByRole('status').filter({ hasText: '利用者 reviewer-a を追加しました' }).waitFor();

  // The user signs in in another browser: MFA enrolment, then the forced password change.
  const user = await (await browser.newContext()).newPage();
  await login(user, base, 'reviewer-a', USER_PW);
  await enrollMfa(user);
  await user.waitForURL('**/password');
  await user.getByLabel('現在のパスワード').fill(USER_PW);
  await user.getByLabel('新しいパスワード').fill(NEW_PW);
  await user.getByRole('button', { name: '変更する' }).click();
  await user.getByText('ようこそ、審査 花子 さん').waitFor();

  // Role change from the list.
  await admin.getByLabel('reviewer-a の役割', { exact: true }).selectOption('viewer');
  await admin.getByRole('button', { name: 'reviewer-a の役割を変更' }).click();
  await admin.getByRole('status').filter({ hasText: 'reviewer-a: 役割を閲覧者に変更しました' }).waitFor();
  await admin.getByLabel('reviewer-a の役割', { exact: true }).selectOption('reviewer');
  await admin.getByRole('button', { name: 'reviewer-a の役割を変更' }).click();
  await admin.getByRole('status').filter({ hasText: 'reviewer-a: 役割を審査担当者に変更しました' }).waitFor();

  // One-click suspension; the user's next request finds its session gone.
  await admin.reload();
  await admin.getByRole('button', { name: 'reviewer-a を利用停止' }).click();
  await admin.getByRole('status').filter({ hasText: 'reviewer-a: 利用を停止しました' }).waitFor();
  assert.ok(await admin.getByRole('cell', { name: '利用停止中' }).count() > 0);
  if (SHOTS) await admin.screenshot({ path: join(SHOTS, 'users-suspended.png'), fullPage: true });
  await user.reload();
  await user.waitForURL('**/login');
  await login(user, base, 'reviewer-a', NEW_PW);
  await user.getByRole('alert').waitFor();
  assert.equal(new URL(user.url()).pathname, '/login', 'a suspended account cannot log in');

  // The audit viewer shows the suspension.
  await admin.getByRole('link', { name: '監査ログ' }).click();
  await admin.getByLabel('対象').selectOption({ label: 'A市' });
  await admin.getByRole('button', { name: '絞り込む' }).click();
  await admin.getByRole('cell', { name: 'user_suspended' }).waitFor();
  if (SHOTS) await admin.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });
  console.log('browser: 1 passed, 0 failed');
} finally {
  await browser.close();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
