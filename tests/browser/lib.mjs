// Shared helpers of the browser tests: the kijun server, chromium, TOTP
// codes and the login / MFA enrolment steps.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BIN = process.env.KIJUN_BIN;
export const CHROMIUM = process.env.KIJUN_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.KIJUN_SCREENSHOT_DIR;
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
export function totp(secret, offsetSteps = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha256', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  return ((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

export async function startServer(dir) {
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

export const ADMIN_PW = 'Kanri-Sha#2026-Pass';
export const USER_PW = 'Shokiki-Pass#2026';
export const NEW_PW = 'Atarashii-Pass#2027';

export async function enrollMfa(page) {
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

export async function login(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
}


export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/// First-run setup and the administrator's first login with TOTP enrolment.
export async function setupAdmin(page, base, token) {
  await page.goto(`${base}/setup?token=${token}`);
  await page.getByLabel('ユーザー名').fill('admin');
  await page.getByLabel('表示名').fill('管理者');
  await page.getByLabel('パスワード', { exact: true }).fill(ADMIN_PW);
  await page.getByRole('button', { name: '作成する' }).click();
  await page.waitForURL('**/login');
  await login(page, base, 'admin', ADMIN_PW);
  await enrollMfa(page);
  await page.getByRole('heading', { name: 'ようこそ、管理者 さん' }).waitFor();
}

/// A user created with an initial password: login, MFA enrolment, the forced password change.
export async function firstLogin(page, base, username, displayName) {
  await login(page, base, username, USER_PW);
  await enrollMfa(page);
  await page.waitForURL('**/password');
  await page.getByLabel('現在のパスワード').fill(USER_PW);
  await page.getByLabel('新しいパスワード').fill(NEW_PW);
  await page.getByRole('button', { name: '変更する' }).click();
  await page.getByText(`ようこそ、${displayName} さん`).waitFor();
}

/// axe-core on the current page: no WCAG 2.1 A/AA violations.
export async function assertAccessible(page, what) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  assert.deepEqual(violations, [], `${what}: accessibility violations`);
}
