// Browser test: in Debian's chromium, an administrator sets kijun up, logs
// in with a password and a TOTP code, creates a tenant and a user; the user
// logs in with MFA and changes the initial password; the administrator
// suspends the user with one click and the user's open session ends on the
// next request. Run by crates/kijun-cli/tests/browser.rs with KIJUN_BIN set.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BIN = process.env.KIJUN_BIN;
const CHROMIUM = process.env.KIJUN_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.KIJUN_SCREENSHOT_DIR;
assert.ok(BIN, 'KIJUN_BIN must name the kijun binary');

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    assert.ok(v >= 0, `bad base32 character ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238 TOTP, HMAC-SHA-256, 6 digits, 30 s (kijun's default).
function totp(secret, offsetSteps = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha256', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  return ((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

async function startServer(dir) {
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let base, token;
  for await (const line of lines) {
    if (line.startsWith('kijun: listening on ')) base = line.slice('kijun: listening on '.length).trim();
    if (line.startsWith('kijun: setup token: ')) token = line.slice('kijun: setup token: '.length).trim();
    if (base && token) break;
  }
  lines.on('line', () => {}); // keep draining
  assert.ok(base && token, 'server printed its address and setup token');
  return { child, base, token };
}

const ADMIN_PW = 'Kanri-Sha#2026-Pass';
const USER_PW = 'Shokiki-Pass#2026';
const NEW_PW = 'Atarashii-Pass#2027';

async function enrollMfa(page) {
  await page.waitForURL('**/mfa/enroll');
  assert.ok(await page.locator('.qr svg').count() > 0, 'QR code shown');
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  await page.getByLabel('確認コード（6桁）').fill(totp(secret));
  await page.getByRole('button', { name: '登録する' }).click();
  await page.getByRole('heading', { name: '回復コード' }).waitFor();
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  await page.getByRole('link', { name: '続ける' }).click();
  return secret;
}

async function login(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
}

const dir = mkdtempSync(join(tmpdir(), 'kijun-browser-'));
const server = await startServer(dir);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
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
  await user.getByRole('heading', { name: 'ようこそ、審査 花子 さん' }).waitFor();

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
