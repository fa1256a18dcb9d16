// Browser test of the web UI in Debian's headless Chromium, driven by playwright-core.
// It seeds a fresh demo, starts the real server on a free port, and walks what an operator
// does on day one: sign in, create an account, find it in the audit trail, switch language,
// and see the new account forced to change its temporary password (SEC-02).
// Screenshots go to tests/browser/screenshots/.
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
const dataDir = mkdtempSync(join(tmpdir(), "roadwarden-e2e-"));
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
  assert.ok(logins["cx.admin"], "the demo printed the logins:\n" + seeded);
  server = spawn(bin, ["demo", "--data-dir", dataDir, "--bind", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    // Notice and trial periods of zero days let one test walk a device to formal use; the
    // real periods (DEV-04: 5 days, DEV-05: 15 days) are proven by the API tests.
    env: { ...process.env, ROADWARDEN__JOBS__ENABLED: "false", ROADWARDEN__DEVICES__NOTICE_DAYS: "0", ROADWARDEN__DEVICES__TRIAL_DAYS: "0", ROADWARDEN__CAPTURES__SECOND_REVIEW_PERCENT: "0" },
  });
  // The server's log is passed through, and kept: the demo writes public-report phone codes
  // there (it has no SMS gateway).
  server.stderr.on("data", (d) => {
    serverLog += d;
    process.stderr.write(d);
  });
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

async function signIn(page, username, password) {
  await page.goto(baseUrl + "/login?lang=zh-CN");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("#sign-in");
}

test("an operator signs in, creates an account, sees it audited, switches language", async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();

  await page.goto(baseUrl + "/");
  assert.match(page.url(), /\/login/, "signed-out visitors are sent to the sign-in page");
  await page.screenshot({ path: join(shots, "01-login-zh.png") });

  // A wrong password is refused with a message, in Chinese by default.
  await signIn(page, "cx.admin", "Wrong-password-1!");
  assert.match(await page.textContent("#login-error"), /用户名或密码错误/);

  await signIn(page, "cx.admin", logins["cx.admin"]);
  await page.waitForURL(baseUrl + "/");
  assert.match(await page.textContent("h1"), /陈立群/);
  await page.screenshot({ path: join(shots, "02-home-zh.png") });

  // Create an account in a squad below the operator's county.
  await page.goto(baseUrl + "/users/new");
  await page.selectOption("#unit_id", { label: "  雉城中队" }).catch(async () => {
    const value = await page.$eval("#unit_id", (s) => [...s.options].find((o) => o.text.includes("雉城中队")).value);
    await page.selectOption("#unit_id", value);
  });
  await page.fill("#new-username", "e2e.officer");
  await page.fill("#full_name", "测试民警");
  await page.fill("#id_number", "11010519491231002X");
  await page.fill("#badge_number", "330999");
  await page.screenshot({ path: join(shots, "03-new-user-zh.png"), fullPage: true });
  await page.click("#create-user");
  const temporary = (await page.textContent("#temporary-password code")).trim();
  assert.ok(temporary.length >= 8, "a temporary password is shown once");
  await page.screenshot({ path: join(shots, "04-user-created-zh.png"), fullPage: true });

  // The creation is in the audit trail.
  assert.equal((await page.goto(baseUrl + "/audit?action=user.create")).status(), 200);
  const auditText = await page.textContent("#audit-table");
  assert.match(auditText, /新建账号/, "the action reads as words");
  assert.match(auditText, /e2e\.officer/);
  await page.screenshot({ path: join(shots, "05-audit-zh.png"), fullPage: true });

  // A refused form keeps what was typed and says why where the mistake is (issue 14): a
  // unit code that is already taken.
  await page.goto(baseUrl + "/units");
  await page.fill("#unit-form input[name=code]", "330522");
  await page.fill("#unit-form input[name=name]", "重复编码的单位");
  await page.click("#unit-form button[type=submit]");
  await page.waitForSelector("#unit-form .field-error");
  assert.match(page.url(), /\/units$/, "the page stays");
  assert.equal(await page.inputValue("#unit-form input[name=name]"), "重复编码的单位");
  assert.doesNotMatch(await page.textContent("#unit-form .field-error"), /[a-z]+\.[a-z_]+/, "no raw code");
  await page.screenshot({ path: join(shots, "05b-inline-error-zh.png"), fullPage: true });
  await page.goto(baseUrl + "/audit?action=user.create");

  // Switch language: English, then Vietnamese, keeping the page.
  await page.click('[data-lang="en"]');
  await page.waitForURL(/lang=en/);
  assert.match(await page.textContent(".crumbs"), /Audit trail/);
  await page.screenshot({ path: join(shots, "06-audit-en.png"), fullPage: true });
  await page.click('[data-lang="vi"]');
  await page.waitForURL(/lang=vi/);
  assert.match(await page.textContent(".crumbs"), /Nhật ký/);
  await page.goto(baseUrl + "/units");
  await page.screenshot({ path: join(shots, "07-units-vi.png"), fullPage: true });
  await page.click('[data-lang="zh-CN"]');
  await page.click("#logout");
  await page.waitForURL(/\/login/);

  // The new officer must change the temporary password before anything else (SEC-02).
  await signIn(page, "e2e.officer", temporary);
  await page.waitForURL(/\/account\/password/);
  assert.ok(await page.isVisible("#password-reason"));
  await page.fill("#current_password", temporary);
  await page.fill("#new_password", "Changxing#2026");
  await page.fill("#confirm_password", "Changxing#2026");
  await page.click("#change-password");
  await page.waitForURL(/\?ok=password_changed/);
  await page.screenshot({ path: join(shots, "08-password-changed-zh.png") });
  await context.close();
});

test("the layout holds on a laptop screen", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, "hz.auditor", logins["hz.auditor"]);
  await page.waitForURL(baseUrl + "/");
  assert.equal((await page.goto(baseUrl + "/audit")).status(), 200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, "no horizontal scroll on 1280 px, got " + overflow);
  await page.screenshot({ path: join(shots, "09-audit-laptop-zh.png") });
  const cal = await page.goto(baseUrl + "/calendar?country=CN&year=2026&from=2026-09-30&days=5");
  assert.equal(cal.status(), 200);
  assert.match(await page.textContent("#deadline-result"), /2026-10-13/);
  await page.screenshot({ path: join(shots, "10-calendar-zh.png"), fullPage: true });
  await context.close();
});

async function as(username) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  await signIn(page, username, logins[username]);
  await page.waitForURL(baseUrl + "/");
  return { context, page };
}

async function stateOf(page) {
  return page.getAttribute("#device-state", "data-state");
}

test("a camera walks from proposal through review, notice and trial to formal use", async () => {
  // The squad's device manager proposes it.
  const m = await as("zc.device");
  await m.page.goto(baseUrl + "/devices");
  assert.ok(await m.page.isVisible("#device-map"), "the map draws the devices from their coordinates");
  await m.page.screenshot({ path: join(shots, "11-devices-zh.png"), fullPage: true });
  await m.page.click("#new-device");
  await m.page.selectOption("select[name=kind]", "fixed_enforcement");
  await m.page.fill("input[name=number]", "330522010299");
  await m.page.fill("input[name=name]", "长兴大道与五峰路口 闯红灯");
  await m.page.fill("input[name=maintainer]", "长兴智慧交通科技有限公司");
  await m.page.fill("input[name=leader]", "吴磊");
  await m.page.fill("input[name=department]", "雉城中队秩序组");
  await m.page.fill("input[name=road]", "长兴大道");
  await m.page.selectOption("select[name=road_class]", "urban");
  await m.page.fill("input[name=place]", "五峰路口");
  await m.page.fill("input[name=longitude]", "119.9001");
  // A latitude that puts it in Vietnam is refused with the rule it breaks.
  await m.page.fill("input[name=latitude]", "21.03");
  await m.page.check("input[name=violation_types][value='1625']");
  await m.page.click("#device-form button[type=submit]");
  // Refused where the mistake is, in Chinese, with what was typed kept (issue 14).
  await m.page.waitForSelector("#device-form .field-error");
  assert.match(await m.page.textContent("#device-form .field-error"), /DEV-09|越南|境内|境外/);
  assert.equal(await m.page.inputValue("input[name=name]"), "长兴大道与五峰路口 闯红灯");
  await m.page.fill("input[name=latitude]", "31.0402");
  await m.page.click("#device-form button[type=submit]");
  await m.page.waitForURL(/\/devices\/\d+\?ok=device_created/);
  const deviceUrl = m.page.url().split("?")[0];
  assert.equal(await stateOf(m.page), "draft");

  // DEV-02: the assessment.
  await m.page.fill("textarea[name=necessity]", "高峰小时流量 2800 辆，近一年闯红灯引发事故 9 起");
  await m.page.fill("textarea[name=conditions]", "信号灯、标志标线齐全，夜间补光良好");
  await m.page.fill("textarea[name=goal]", "减少闯红灯，预防路口事故");
  await m.page.check("input[name=facilities_ok]");
  await m.page.click("#assessment-form button[type=submit]");
  await m.page.waitForURL(/ok=assessment_filed/);
  assert.equal(await stateOf(m.page), "under_review");

  // DEV-03: the three departments review it from their inboxes.
  for (const [user, dept] of [["cx.tech", "technology"], ["cx.legal", "legal"], ["cx.opinion", "public_opinion"]]) {
    const r = await as(user);
    await r.page.goto(baseUrl + "/device-reviews");
    assert.match(await r.page.textContent("#inbox-table"), /330522010299/);
    if (dept === "technology") await r.page.screenshot({ path: join(shots, "12-review-inbox-zh.png"), fullPage: true });
    await r.page.click("#inbox-table a:has-text('330522010299')");
    await r.page.click(`#review-${dept} button[value=approve]`);
    await r.page.waitForURL(/ok=review_recorded/);
    await r.context.close();
  }

  // Published (DEV-04), then on trial: its captures only warn (DEV-05).
  await m.page.goto(deviceUrl);
  assert.equal(await stateOf(m.page), "trial");
  assert.match(await m.page.textContent("#capture-use"), /仅用于警示/);
  const pub = await m.context.newPage();
  await pub.goto(baseUrl + "/public/devices?unit=330522");
  assert.match(await pub.textContent("#public-devices"), /五峰路口/);
  assert.doesNotMatch(await pub.textContent("#public-devices"), /330522010299|智慧交通/, "no internal fields");
  await pub.screenshot({ path: join(shots, "13-public-notice-zh.png"), fullPage: true });
  await pub.close();

  // DEV-07: registered with the command platform, then formal use.
  await m.page.fill("#register-form input[name=platform_ref]", "JZ-2026-0299");
  await m.page.click("#register-form button[type=submit]");
  await m.page.waitForURL(/ok=registered/);
  await m.page.click("#action-start_formal_use button[type=submit]");
  await m.page.waitForURL(/ok=step_recorded/);
  assert.equal(await stateOf(m.page), "in_use");
  assert.match(await m.page.textContent("#capture-use"), /可用于处罚/);
  const timeline = await m.page.textContent("#timeline");
  for (const step of ["申报建档", "提交评估", "三部门审核通过", "公示期满", "集指平台备案", "正式启用"]) {
    assert.match(timeline, new RegExp(step), step + " is on the timeline");
  }
  await m.page.screenshot({ path: join(shots, "14-device-in-use-zh.png"), fullPage: true });

  // The maintenance report draws its charts.
  await m.page.goto(baseUrl + "/device-report");
  assert.ok(await m.page.isVisible("#trend-chart"));
  await m.page.screenshot({ path: join(shots, "15-device-report-zh.png"), fullPage: true });
  await m.context.close();
});

async function apiToken(username) {
  const r = await fetch(baseUrl + "/api/v1/auth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: logins[username] }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).token;
}

/** A real 8x8 grey JPEG with a comment segment of 4,000 bytes `fill` after SOI (a decoder
 * skips it), so that each picture has its own hash. */
const GREY_8X8 = Buffer.from(
  "/9j/4AAQSkZJRgABAgAAAQABAAD/wAALCAAIAAgBABEA/9sAQwAQCwwODAoQDg0OEhEQExgoGhgWFhgxIyUdKDozPTw5Mzg3QEhcTkBEV0U3OFBtUVdfYmdoZz5NcXlwZHhcZWdj/9sAQwEREhIYFRgvGhovY0I4QmNjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEAAAA/ACv/2Q==",
  "base64");
function greyJpeg(fill) {
  const comment = new Uint8Array(4 + 4000).fill(fill);
  comment.set([0xff, 0xfe, (4002 >> 8) & 0xff, 4002 & 0xff]);
  return new Uint8Array(Buffer.concat([GREY_8X8.subarray(0, 2), comment, GREY_8X8.subarray(2)]));
}

test("an ISAPI push becomes a reviewed violation, a notice, and an objection decision", async () => {
  // The device manager issues the camera its push credential.
  const manager = await apiToken("zc.device");
  const devices = await (await fetch(baseUrl + "/api/v1/devices?search=330522010001", { headers: { authorization: "Bearer " + manager } })).json();
  const deviceId = devices.items[0].id;
  const issued = await (await fetch(`${baseUrl}/api/v1/devices/${deviceId}/credentials`, {
    method: "POST", headers: { authorization: "Bearer " + manager, "content-type": "application/json" }, body: "{}",
  })).json();

  // The camera pushes a Hikvision ISAPI ANPR event with its two pictures.
  const now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().replace("Z", "+08:00");
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.33.5.21</ipAddress><macAddress>bc:5e:33:62:2a:5c</macAddress><channelID>1</channelID>
<dateTime>${now}</dateTime><eventType>ANPR</eventType><eventState>active</eventState>
<ANPR><licensePlate>浙E12345</licensePlate><line>1</line><direction>forward</direction><confidenceLevel>97</confidenceLevel>
<plateColor>blue</plateColor><vehicleType>vehicle</vehicleType>
<pictureInfoList><pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
<pictureInfo><fileName>vehiclePicture.jpg</fileName><type>vehiclePicture</type></pictureInfo></pictureInfoList></ANPR>
<UUID>e2e-isapi-0001</UUID><isDataRetransmission>false</isDataRetransmission></EventNotificationAlert>`;
  const form = new FormData();
  form.append("anpr.xml", new Blob([xml], { type: "application/xml" }), "anpr.xml");
  form.append("licensePlatePicture.jpg", new Blob([greyJpeg(1)], { type: "image/jpeg" }), "licensePlatePicture.jpg");
  form.append("vehiclePicture.jpg", new Blob([greyJpeg(2)], { type: "image/jpeg" }), "vehiclePicture.jpg");
  const auth = "Basic " + Buffer.from(`${issued.key_id}:${issued.secret}`).toString("base64");
  const pushed = await fetch(baseUrl + "/api/v1/isapi/events?violation=1625", { method: "POST", headers: { authorization: auth }, body: form });
  assert.equal(pushed.status, 201, await pushed.clone().text());
  const receipt = await pushed.json();
  assert.equal(receipt.state, "pending");

  // The county reviewer sees it on the review desk and approves it with one key.
  const r = await as("cx.reviewer");
  await r.page.goto(baseUrl + "/review");
  assert.ok(await r.page.isVisible("#queue-table"));
  await r.page.screenshot({ path: join(shots, "16-review-desk-zh.png"), fullPage: true });
  await r.page.goto(`${baseUrl}/review?id=${receipt.capture_id}`);
  assert.match(await r.page.textContent("#review-plate"), /浙E12345/);
  // The desk moves on at once and holds the decision a few seconds for undo (issue 14).
  await r.page.keyboard.press("a");
  await r.page.waitForURL(/holding=/);
  assert.ok(await r.page.isVisible("#undo-bar"), "the undo bar shows the held decision");
  assert.match(await r.page.textContent("#undo-bar"), /浙E12345/);
  await r.page.keyboard.press("u");
  await r.page.waitForURL(new RegExp(`id=${receipt.capture_id}`));
  assert.match(await r.page.textContent("#review-plate"), /浙E12345/, "undo reopens the capture");
  const undone = await (await fetch(`${baseUrl}/api/v1/captures/${receipt.capture_id}`, { headers: { authorization: "Bearer " + (await apiToken("cx.reviewer")) } })).json();
  assert.equal(undone.state, "pending", "an undone decision was never sent");
  await r.page.keyboard.press("a");
  await r.page.waitForURL(/holding=/);
  const landed = await r.page.waitForResponse((resp) => resp.url().endsWith(`/review/${receipt.capture_id}/decision`), { timeout: 15000 });
  assert.equal(landed.status(), 200);
  assert.ok(await r.page.isHidden("#undo-bar"));
  await r.context.close();

  // The outbox writes the letter; the clerk records it posted.
  const clerk = await apiToken("cx.clerk");
  const sent = await (await fetch(baseUrl + "/api/v1/notices/send", { method: "POST", headers: { authorization: "Bearer " + clerk } })).json();
  assert.ok(sent.sent >= 1, JSON.stringify(sent));
  const c = await as("cx.clerk");
  await c.page.goto(baseUrl + "/violations?state=entered");
  await c.page.click("#violations-table a:has-text('浙E12345')");
  assert.ok(await c.page.isVisible("#letter-link"), "the letter PDF is there to print");
  await c.page.click("#notify-form button[type=submit]");
  await c.page.waitForURL(/ok=step_recorded/);
  assert.equal(await c.page.getAttribute("#violation-state", "data-state"), "notified");
  assert.match(await c.page.textContent("#handle-by"), /\d{4}-\d{2}-\d{2}/);
  const recordUrl = c.page.url().split("?")[0];
  await c.page.screenshot({ path: join(shots, "17-violation-zh.png"), fullPage: true });
  await c.context.close();

  // The owner finds it on the public page (plate + last 6 of the VIN) and objects with a photo.
  const owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const o = await owner.newPage();
  await o.goto(baseUrl + "/public/violations?lang=zh-CN");
  await o.fill("input[name=plate]", "浙E12345");
  await o.fill("input[name=vin_tail]", "000000");
  await o.click("#lookup-form button[type=submit]");
  await o.waitForSelector("#lookup-error");
  assert.doesNotMatch(o.url(), /vin_tail|000000/, "the VIN tail is posted, never in the address");
  await o.fill("input[name=vin_tail]", "123456");
  await o.click("#lookup-form button[type=submit]");
  const recordId = recordUrl.split("/").pop();
  await o.click(`#record-${recordId} summary`);
  await o.fill(`#objection-form-${recordId} textarea[name=text]`, "当时信号灯故障，黄灯一直闪烁，我是正常通行。");
  await o.setInputFiles(`#objection-form-${recordId} input[name=photos]`, { name: "signal.jpg", mimeType: "image/jpeg", buffer: Buffer.from(greyJpeg(3)) });
  await o.click(`#objection-form-${recordId} button[type=submit]`);
  await o.waitForSelector(".flash.ok");
  assert.doesNotMatch(o.url(), /123456/, "the VIN tail never reaches the address");
  assert.match(await o.textContent(`#record-${recordId}`), /异议正在处理/);
  await o.screenshot({ path: join(shots, "18-public-objection-zh.png"), fullPage: true });
  await owner.close();

  // The office of the place upholds it: the record is eliminated and the vehicle unblocked.
  const h = await as("cx.objection");
  await h.page.goto(baseUrl + "/objections");
  const card = h.page.locator(".objection", { hasText: "黄灯一直闪烁" });
  await card.locator("input[name=upheld][value=true]").check();
  await card.locator("select[name=elimination_reason]").selectOption("conflicting_signals");
  await card.locator("textarea[name=reply]").fill("经核查，当日该路口信号灯故障，记录予以消除。");
  await card.locator("button[type=submit]").click();
  await h.page.waitForURL(/ok=objection_decided/);
  await h.page.goto(recordUrl);
  assert.equal(await h.page.getAttribute("#violation-state", "data-state"), "eliminated");
  await h.page.screenshot({ path: join(shots, "19-objection-upheld-zh.png"), fullPage: true });
  await h.context.close();
  const station = await apiToken("cx.station");
  const answer = await (await fetch(baseUrl + "/api/v1/inspection/vehicles/" + encodeURIComponent("浙E12345"), { headers: { authorization: "Bearer " + station } })).json();
  assert.ok(answer.reasons.every((x) => String(x.violation_id) !== recordId), "the eliminated record blocks nothing");
});

test("footage is asked for, approved by the head of its unit, and copied by the recorder administrator with its sheet (BWC-08, BWC-10)", async () => {
  // An officer finds footage in the library, filed by day, and asks for an evidence copy.
  const r = await as("cx.reviewer");
  await r.page.goto(baseUrl + "/evidence");
  await r.page.screenshot({ path: join(shots, "20-evidence-library-zh.png"), fullPage: true });
  const box = r.page.locator("#request-form tr:not(:has(.badge.locked)) input[name=evidence_ids]").first();
  const evidenceId = await box.getAttribute("value");
  await box.check();
  await r.page.selectOption("#request-form select[name=purpose]", "copy");
  await r.page.fill("#request-form textarea[name=reason]", "案件2026-118 行政复议需要证据复制件");
  await r.page.click("#ask");
  await r.page.waitForURL(/ok=access_requested/);
  const requestId = r.page.url().match(/#request-(\d+)/)[1];
  assert.equal(await r.page.getAttribute(`#request-${requestId}`, "data-state"), "pending");
  // Without an approval, the footage does not play.
  const refused = await r.context.request.get(`${baseUrl}/api/v1/evidence/${evidenceId}/content`);
  assert.equal(refused.status(), 422);

  // The head of the footage's own unit (the squad) approves it from the inbox (BWC-08).
  const h = await as("zc.head");
  await h.page.goto(baseUrl + "/evidence/requests");
  await h.page.screenshot({ path: join(shots, "21-evidence-requests-head-zh.png"), fullPage: true });
  await h.page.click(`#request-${requestId} .approve`);
  await h.page.waitForURL(/ok=access_approved/);
  assert.equal(await h.page.getAttribute(`#request-${requestId}`, "data-state"), "approved");
  await h.context.close();

  // The recorder administrator provides the copy (BWC-08); the officer receives it: the sheet
  // PDF, and each file unaltered.
  const a = await as("cx.recadmin");
  await a.page.goto(baseUrl + "/evidence/requests");
  await a.page.click(`#request-${requestId} .make-export`);
  await a.page.waitForURL(/ok=export_made/);
  await a.context.close();
  await r.page.goto(baseUrl + "/evidence/requests");
  const sheetHref = await r.page.getAttribute(`#request-${requestId} a.sheet`, "href");
  const sheet = await r.context.request.get(baseUrl + sheetHref);
  assert.equal(sheet.status(), 200);
  assert.equal(sheet.headers()["content-type"], "application/pdf");
  assert.equal((await sheet.body()).subarray(0, 4).toString(), "%PDF");
  await r.page.screenshot({ path: join(shots, "22-evidence-export-zh.png"), fullPage: true });

  // The player seeks by ranged reads, under a watermark naming the viewer.
  await r.page.goto(`${baseUrl}/evidence/${evidenceId}`);
  assert.ok(await r.page.isVisible(".player"));
  assert.match(await r.page.textContent(".player .watermark"), /cx\.reviewer/);
  const seek = await r.context.request.get(`${baseUrl}/api/v1/evidence/${evidenceId}/content`, { headers: { Range: "bytes=100-199" } });
  assert.equal(seek.status(), 206);
  assert.equal((await seek.body()).length, 100);
  await r.page.screenshot({ path: join(shots, "23-evidence-player-zh.png"), fullPage: true });
  await r.context.close();
});

test("a citizen reports a violation from a phone in three languages, and it reaches review flagged (REV-05)", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  const titles = { "zh-CN": "交通违法举报", en: "Report a traffic violation", vi: "Phản ánh vi phạm giao thông" };
  for (const [lang, title] of Object.entries(titles)) {
    await p.goto(`${baseUrl}/report?lang=${lang}&unit=330522`);
    assert.ok((await p.textContent(".crumbs")).includes(title), `${lang}: ${await p.title()}`);
    assert.ok(await p.isVisible("#report-form"), `${lang}: the form is there`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${lang}: the page is ${overflow}px wider than the phone`);
    await p.screenshot({ path: join(shots, `report-phone-${lang}.png`), fullPage: true });
  }
  // Chinese: the phone proves itself with the code the demo writes to its log.
  await p.goto(`${baseUrl}/report?lang=zh-CN&unit=330522`);
  await p.fill("#code-form input[name=phone]", "13905721000");
  const before = serverLog.length;
  await p.click("#send-code");
  await p.waitForLoadState("load");
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    const m = serverLog.slice(before).match(/code(?:\x1b\[[0-9;]*m|[=":\s])*(\d{6})/);
    code = m?.[1];
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(code, "the demo logged the phone code");
  await p.fill("#report-form input[name=phone]", "13905721000");
  await p.fill("#report-form input[name=code]", code);
  await p.fill("#report-form input[name=plate]", "浙E54321");
  await p.selectOption("#report-form select[name=plate_colour]", "blue");
  const violation = await p.$eval("#report-form select[name=violation_code] option:nth-child(2)", (o) => o.value);
  await p.selectOption("#report-form select[name=violation_code]", violation);
  await p.fill("#report-form input[name=place]", "长兴大道与明珠路口");
  // An hour ago, in the county's time (UTC+8).
  const when = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 16);
  await p.fill("#report-form input[name=captured_at]", when);
  await p.setInputFiles("#report-form input[name=photos]", { name: "photo.jpg", mimeType: "image/jpeg", buffer: Buffer.from(greyJpeg(9)) });
  await p.click("#report-submit");
  await p.waitForSelector("#report-reference");
  await p.screenshot({ path: join(shots, "report-phone-received.png"), fullPage: true });
  await phone.close();
  // The reviewer finds it in the queue, marked as a public report.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const r = await desk.newPage();
  await signIn(r, "cx.reviewer", logins["cx.reviewer"]);
  await r.goto(baseUrl + "/review?lang=zh-CN");
  const marked = await r.$$("[id^=queue-public-]");
  assert.ok(marked.length >= 1, "the queue marks the public report");
  assert.ok((await marked[0].textContent()).trim().length > 0);
  await desk.close();
});


test("a correction is asked on its form, approved by the head, carried out, and shows before and after on the record (SEC-06, DAT-01)", async () => {
  // The clerk finds a record and opens its correction form.
  const clerk = await as("cx.clerk");
  await clerk.page.goto(baseUrl + "/violations");
  await clerk.page.click("table a.plate >> nth=0");
  await clerk.page.waitForURL(/\/violations\/\d+$/);
  const recordUrl = clerk.page.url();
  const id = recordUrl.match(/\/violations\/(\d+)$/)[1];
  const token = await apiToken("cx.clerk");
  const before = await (await fetch(`${baseUrl}/api/v1/violations/${id}`, {
    headers: { authorization: "Bearer " + token },
  })).json();
  assert.ok(before.violation?.place, "the record has a place: " + JSON.stringify(before).slice(0, 300));
  await clerk.page.click("#corrections-link");
  await clerk.page.waitForSelector("#correction-form");
  assert.equal(await clerk.page.inputValue("input[name='records[0].violation_id']"), id);
  const place = "雉城街道金陵北路与长兴大道交叉口（更正）";
  await clerk.page.fill("input[name='records[0].place']", place);
  // "More rows" adds rows in place: what was typed stays.
  await clerk.page.click("#correction-more-rows");
  assert.ok(await clerk.page.isVisible("#correction-row-3"), "more rows were added");
  assert.equal(await clerk.page.inputValue("input[name='records[0].place']"), place);
  assert.equal(await clerk.page.inputValue("input[name='records[3].place']"), "");
  await clerk.page.fill("textarea[name=reason]", "现场勘查核实，抓拍地点录入有误，按勘查记录更正");
  await clerk.page.screenshot({ path: join(shots, "30-correction-form-zh.png"), fullPage: true });
  await clerk.page.click("#correction-form button[type=submit]");
  await clerk.page.waitForURL(/\/corrections\/\d+\?ok=correction_requested/);
  const cid = clerk.page.url().match(/\/corrections\/(\d+)/)[1];
  // A scan that arrived later is added before the head decides.
  await clerk.page.setInputFiles("#add-files-form input[name=files]", {
    name: "licence-scan.jpg", mimeType: "image/jpeg", buffer: Buffer.from(greyJpeg(9)),
  });
  await clerk.page.click("#add-files-form button[type=submit]");
  await clerk.page.waitForURL(/ok=correction_files_added/);
  assert.match(await clerk.page.textContent("#correction-files"), /licence-scan\.jpg/);
  await clerk.page.goto(baseUrl + "/corrections");
  assert.equal(await clerk.page.locator(`#correction-${cid} form[action$='/approve']`).count(), 0,
    "the one who asks does not approve");
  await clerk.context.close();

  // The head approves it.
  const head = await as("cx.head");
  await head.page.goto(baseUrl + "/corrections");
  await head.page.click(`#correction-${cid} form[action$='/approve'] button`);
  await head.page.waitForURL(/ok=correction_decided/);
  await head.context.close();

  // The technology department carries it out (its staff sit in the department, beside the
  // squads whose records they correct); the record's facts change only now.
  const op = await as("cx.tech");
  op.page.on("dialog", (d) => d.accept());
  await op.page.goto(baseUrl + "/corrections");
  await op.page.click(`#correction-${cid} form[action$='/execute'] button`);
  await op.page.waitForURL(/ok=correction_executed/);
  await op.context.close();
  const reader = await as("cx.clerk");
  await reader.page.goto(`${recordUrl}?lang=en`);
  const timeline = await reader.page.textContent("#violation-timeline");
  assert.ok(timeline.includes(place), "the timeline shows the new place: " + timeline);
  assert.ok(timeline.includes(before.violation.place), "and the place before: " + timeline);
  await reader.page.screenshot({ path: join(shots, "31-correction-on-record-en.png"), fullPage: true });
  await reader.context.close();
});

test("a warning becomes a check, a plan and an acceptance, and the device is back in use; the cockpit fills a wall (SUP-02, SUP-03, SUP-07, RID-13)", async () => {
  // The city warns about a squad's camera from its page.
  const sup = await as("hz.supervisor");
  const token = await apiToken("zc.device");
  const devices = await (await fetch(baseUrl + "/api/v1/devices", {
    headers: { authorization: "Bearer " + token },
  })).json();
  const rows = devices.items ?? devices.rows ?? devices;
  const items = await (await fetch(baseUrl + "/api/v1/supervision/items", {
    headers: { authorization: "Bearer " + (await apiToken("hz.supervisor")) },
  })).json();
  const watched = new Set(items.filter((i) => i.state !== "accepted").map((i) => i.device_id));
  const camera = rows.find((d) => d.state === "in_use" && d.kind === "fixed_enforcement" && !watched.has(d.id));
  assert.ok(camera, "a camera in use with no open check item");
  await sup.page.goto(`${baseUrl}/devices/${camera.id}`);
  await sup.page.fill("#warn-form textarea[name=notice]", "该设备本月抓拍量较前8周同期中位数下降79%，请核查必要性、合理性和合规性。");
  await sup.page.click("#warn-form button[type=submit]");
  await sup.page.waitForURL(/\/supervision\/items\/\d+\?ok=supervision_warned/);
  const itemUrl = sup.page.url().split("?")[0];

  // The squad re-checks it, suspends the camera while it is fixed, plans and reports.
  const mgr = await as("zc.device");
  await mgr.page.goto(itemUrl);
  const why = {
    necessity: "路口事故多发，仍需抓拍",
    rationality: "位置与标志标线设置合理",
    conformity: "抓拍参数被误改，需厂家重新标定",
  };
  for (const [a, text] of Object.entries(why)) {
    await mgr.page.check(`#recheck-form input[name=${a}_holds][value=yes]`);
    await mgr.page.fill(`#recheck-form textarea[name=${a}]`, text);
  }
  const reason = await mgr.page.$eval("#recheck-form select[name=suspend_for] option:nth-child(2)", (o) => o.value);
  await mgr.page.selectOption("#recheck-form select[name=suspend_for]", reason);
  await mgr.page.click("#recheck-form button[type=submit]");
  await mgr.page.waitForURL(/ok=supervision_step/);
  await mgr.page.goto(`${baseUrl}/devices/${camera.id}`);
  assert.equal(await stateOf(mgr.page), "suspended", "suspended until the warning unit accepts");
  await mgr.page.goto(itemUrl);
  const deadline = new Date(Date.now() + 7 * 86400e3).toISOString().slice(0, 10);
  await mgr.page.fill("#plan-form textarea[name=note]", "联系厂家于一周内重新标定并复核抓拍样本");
  await mgr.page.fill("#plan-form input[name=deadline]", deadline);
  await mgr.page.click("#plan-form button[type=submit]");
  await mgr.page.waitForURL(/ok=supervision_step/);
  await mgr.page.fill("#submit-form textarea[name=note]", "已重新标定，抽查50张抓拍无误");
  await mgr.page.click("#submit-form button[type=submit]");
  await mgr.page.waitForURL(/ok=supervision_step/);
  await mgr.context.close();

  // The city accepts: the camera is back in use, and every step names who took it.
  await sup.page.goto(itemUrl);
  await sup.page.click("#accept-form button[type=submit]");
  await sup.page.waitForURL(/ok=supervision_step/);
  assert.equal(await sup.page.getAttribute("#item-state", "data-state"), "accepted");
  const steps = await sup.page.textContent("#steps");
  assert.ok(steps.length > 0);
  await sup.page.screenshot({ path: join(shots, "40-supervision-accepted-zh.png"), fullPage: true });
  await sup.page.goto(`${baseUrl}/devices/${camera.id}`);
  assert.equal(await stateOf(sup.page), "in_use");
  await sup.context.close();

  // The cockpit on a 1080p and a 4K wall.
  for (const [w, h] of [[1920, 1080], [3840, 2160]]) {
    const context = await browser.newContext({ viewport: { width: w, height: h } });
    const page = await context.newPage();
    await signIn(page, "hz.supervisor", logins["hz.supervisor"]);
    await page.waitForURL(baseUrl + "/");
    await page.goto(baseUrl + "/cockpit");
    assert.ok(await page.isVisible("#cockpit-map"));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at ${w}x${h}, got ${overflow}`);
    await page.screenshot({ path: join(shots, `41-cockpit-${w}x${h}-zh.png`) });
    await context.close();
  }
});

test("an officer confirms a rider's events, the tier rises, a grid worker reports a task from a phone and the officer passes it; a fallen tier reads on its file (RID-05..11)", async () => {
  const officerToken = await apiToken("cx.ebike");
  const api = async (path, token) =>
    (await fetch(baseUrl + path, { headers: { authorization: "Bearer " + token } })).json();
  // The waiting identities: the library resident with the most events to confirm.
  const queue = await api("/api/v1/rider-matches?purpose=enforcement", officerToken);
  const byPerson = new Map();
  for (const it of queue.items) {
    if (it.person.provisional || it.person.tier !== "clear") continue;
    byPerson.set(it.person.id, [...(byPerson.get(it.person.id) ?? []), it.event.id]);
  }
  const [personId, events] = [...byPerson.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  assert.ok(events.length > 0, "a clear resident has events waiting");

  // Identity confirmation on the match desk, one event after another.
  const officer = await as("cx.ebike");
  for (const e of events) {
    await officer.page.goto(`${baseUrl}/riders/matches?purpose=enforcement&id=${e}`);
    assert.equal(await officer.page.getAttribute("#match-panel", "data-event"), String(e));
    await officer.page.click("#match-confirm-form button");
    await officer.page.waitForURL(/ok=/);
  }
  await officer.page.goto(`${baseUrl}/riders/${personId}?purpose=enforcement`);
  const tier = await officer.page.textContent("#rider-tier h2 .badge");
  assert.ok(!/无|^\s*$/.test(tier), "the confirmed events raised the tier: " + tier);
  await officer.page.screenshot({ path: join(shots, "50-rider-file-zh.png"), fullPage: true });

  // A grid worker takes a task on a phone and reports what was done, with a photo.
  const grid = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const phone = await grid.newPage();
  await signIn(phone, "cd.grid", logins["cd.grid"]);
  await phone.waitForURL(baseUrl + "/");
  await phone.goto(baseUrl + "/riders/tasks");
  const card = phone.locator(".task-card:has(form[action$='/accept'])").first();
  const taskId = (await card.getAttribute("id")).replace("task-", "");
  await card.locator("form[action$='/accept'] button").click();
  await phone.waitForURL(/ok=rider_task_accepted/);
  await phone.fill(`#report-form-${taskId} textarea[name=result]`, "已上门走访，讲解头盔佩戴规定，本人签字承诺");
  await phone.setInputFiles(`#report-form-${taskId} input[name=photos]`, {
    name: "visit.jpg", mimeType: "image/jpeg", buffer: Buffer.from(greyJpeg(7)),
  });
  await phone.click(`#report-form-${taskId} button[type=submit]`);
  await phone.waitForURL(/ok=rider_task_reported/);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, "the task board fits a phone, got " + overflow);
  await phone.screenshot({ path: join(shots, "51-grid-task-phone-zh.png"), fullPage: true });
  await grid.close();

  // The officer evaluates the result and passes the task: the loop is closed.
  await officer.page.goto(baseUrl + "/riders/tasks?state=reported");
  await officer.page.click(`#task-${taskId} form[action$='/evaluate'] input[value=pass] ~ button`);
  await officer.page.waitForURL(/ok=rider_task_evaluated/);
  await officer.page.goto(baseUrl + "/riders/tasks?state=passed");
  assert.ok(await officer.page.isVisible(`#task-${taskId}`), "the task is passed");

  // Tiers fall as their windows roll (the nightly rebuild): a resident whose events are
  // confirmed reads "clear" now, with the fall on the file's timeline.
  const riders = await api("/api/v1/riders?purpose=enforcement&per_page=200", officerToken);
  const fallen = [];
  for (const r of riders.items.filter((x) => x.tier === "clear" && !x.provisional)) {
    const f = await api(`/api/v1/riders/${r.id}?purpose=enforcement`, officerToken);
    if (f.events.some((e) => e.match_state === "confirmed" || e.match_state === "matched")) fallen.push(r.id);
  }
  assert.ok(fallen.length > 0, "a resident's tier has fallen back to clear");
  await officer.page.goto(`${baseUrl}/riders/${fallen[0]}?purpose=enforcement&lang=en`);
  assert.match(await officer.page.textContent("#rider-timeline"), /Tier: Clear|Tier: clear|Tier/);
  await officer.context.close();
});
