// Browser test of the rider services page (RID-12, RID-14) at a phone's width (390 px) in
// Debian's headless Chromium, driven by playwright-core. It seeds a fresh demo, imports one
// resident into the face base library as the e-bike officer (over the API), then walks what a
// rider does: ask for a code with their ID number, prove it (the demo has no SMS gateway and
// writes the code to its log), see their tier and what happens next, take the safety quiz and
// rate the service. Screenshots go to tests/browser/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.ROADWARDEN_BIN ?? join(here, "../../target/debug/roadwarden");
const shots = join(here, "screenshots");
const dataDir = mkdtempSync(join(tmpdir(), "roadwarden-rider-"));
// A valid resident identity number (check character included).
const ID_NUMBER = "11010519491231002X";
let server;
let baseUrl;
let logins = {};
let browser;
let serverLog = "";

function parseLogins(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = line.match(/^\s{2}(\S.*?)\s{2,}(\S+)\s+(\S+)\s{2,}(.+)$/);
    if (m && m[2].includes(".")) out[m[2]] = m[3];
  }
  return out;
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  const seeded = execFileSync(bin, ["demo", "--data-dir", dataDir, "--no-serve"], { encoding: "utf8" });
  logins = parseLogins(seeded);
  assert.ok(logins["cx.ebike"], "the demo printed the logins:\n" + seeded);
  server = spawn(bin, ["demo", "--data-dir", dataDir, "--bind", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ROADWARDEN__JOBS__ENABLED: "false" },
  });
  server.stderr.on("data", (d) => { serverLog += d; });
  baseUrl = await new Promise((resolve, reject) => {
    let buf = "";
    server.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error("server exited " + code)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(path, { method = "GET", token, body, type = "application/json" } = {}) {
  const headers = { "Content-Type": type };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(baseUrl + path, { method, headers, body });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/// The newest rider code the demo wrote to its log (no SMS gateway).
async function loggedCode() {
  for (let i = 0; i < 100; i++) {
    // The log may be coloured: drop the escape sequences first.
    const plain = serverLog.replace(/\x1b\[[0-9;]*m/g, "");
    const lines = plain.split("\n").filter((l) => l.includes("rider-public-code"));
    const m = lines.length && lines[lines.length - 1].match(/code[=:]\s*"?(\d{6})/);
    if (m) return m[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no rider code in the log:\n" + serverLog.slice(-2000));
}

test("a rider proves who they are on a phone, reads their tier, passes the quiz and rates it", async () => {
  const login = await api("/api/v1/auth/token", {
    method: "POST",
    body: JSON.stringify({ username: "cx.ebike", password: logins["cx.ebike"] }),
  });
  assert.equal(login.status, 201);
  const csv = `id_number,name,unit_code,village,phone\n${ID_NUMBER},陈静,330522-ZC-CD,城东社区,13800001111\n`;
  const imported = await api("/api/v1/rider-library?file_name=rider.csv", {
    method: "POST", token: login.json.token, body: csv, type: "application/octet-stream",
  });
  assert.equal(imported.status, 201, JSON.stringify(imported.json));

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(baseUrl + "/public/riders?lang=zh-CN");
  await page.fill("#rider-id-number", ID_NUMBER);
  await page.click("#rider-send-code");
  await page.waitForSelector("#rider-verify-form");
  assert.match(await page.textContent("#rider-flash"), /如果该身份证号已登记/);
  await page.screenshot({ path: join(shots, "rider-public-code.png"), fullPage: true });
  await page.fill("#rider-code", await loggedCode());
  await page.click("#rider-verify");
  await page.waitForSelector("#rider-why");
  assert.equal((await page.textContent("#rider-name")).trim(), "陈静");
  // The session cookie is out of the page's reach (HttpOnly).
  assert.equal(await page.evaluate(() => document.cookie.includes("rw_rider")), false);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling at 390 px (${width})`);
  await page.screenshot({ path: join(shots, "rider-public-record.png"), fullPage: true });

  await page.click("#rider-quiz-start button");
  await page.waitForSelector("#rider-quiz-form");
  for (const fieldset of await page.$$("#rider-quiz-form fieldset")) {
    await (await fieldset.$("input[type=radio]")).check();
  }
  await page.screenshot({ path: join(shots, "rider-public-quiz.png"), fullPage: true });
  await page.click("#rider-quiz-submit");
  await page.waitForSelector("#rider-quiz-outcome");
  await page.check("#rider-survey-form input[name=rating][value='5']");
  await page.click("#rider-survey-form button");
  await page.waitForSelector("#rider-flash");
  assert.match(await page.textContent("#rider-flash"), /感谢/);
  await context.close();
});
