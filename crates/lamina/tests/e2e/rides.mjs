// The rides example, end to end, in headless Chromium driven by playwright-core: sign in through
// the local Cognito's login page, see yourself, request a ride, pay for it, have an expired access
// token renewed without noticing, be sent to sign in once the refresh token is revoked, sign out.
//
// tests/browser.rs starts `lamina dev` on the example and runs this with:
//   APP_URL, AUTH_ORIGIN (the local Cognito), CLIENT_ID, CHROMIUM (the browser binary),
//   ARTIFACTS (where a failure's screenshot and console log go), USERNAME, PASSWORD,
//   ACCESS_MINUTES (the access token's lifetime).
// Each step prints one line; on failure the screenshot, the page's HTML and the browser's console
// are saved and their paths printed.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const APP_URL = env("APP_URL");
const AUTH_ORIGIN = env("AUTH_ORIGIN");
const CLIENT_ID = env("CLIENT_ID");
const ARTIFACTS = env("ARTIFACTS");
const USERNAME = env("USERNAME");
const PASSWORD = env("PASSWORD");
const ACCESS_MINUTES = Number(env("ACCESS_MINUTES"));
const TIMEOUT = 20_000;

const consoleLines = [];
const tokenResponses = [];
const apiRequests = [];
// Requests to the hosted UI's other endpoints: /oauth2/revoke, /logout.
const cognitoCalls = [];
let step = "start";

function log(message) {
  console.log(`[e2e] ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function run(page, context) {
  const started = Date.now();
  const say = (name) => {
    step = name;
    log(`${((Date.now() - started) / 1000).toFixed(1)}s ${name}`);
  };

  say("a protected page sends an anonymous visitor to the hosted UI");
  await page.goto(`${APP_URL}/rides`);
  await page.waitForURL((url) => url.origin === AUTH_ORIGIN, { timeout: TIMEOUT });
  await page.getByLabel("Username").waitFor({ timeout: TIMEOUT });

  say("sign in as a test user on the local Cognito's login page");
  await signIn(page);
  await page.waitForURL(`${APP_URL}/rides`, { timeout: TIMEOUT });
  await page.getByRole("heading", { name: "Rides", level: 1 }).waitFor({ timeout: TIMEOUT });
  await page.getByText(`Signed in as ${USERNAME}`).waitFor({ timeout: TIMEOUT });
  check(
    tokenResponses.some((t) => t.grant === "authorization_code" && t.status === 200),
    "no code exchange with PKCE was seen",
  );
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  check(!/eyJ[\w-]+\.[\w-]+\./.test(storage), `a token was found in web storage: ${storage.slice(0, 200)}`);

  say("Me shows the user from GET /user/me");
  await page.getByRole("link", { name: "Me", exact: true }).click();
  await page.waitForURL(`${APP_URL}/me`);
  await page.getByRole("definition").filter({ hasText: USERNAME }).waitFor({ timeout: TIMEOUT });
  const me = apiRequests.find((r) => r.path === "/user/me" && r.status === 200);
  check(me !== undefined && me.bearer !== null, "GET /user/me was not sent with a bearer token");

  say("request a ride and see it listed");
  await page.getByRole("link", { name: "Rides", exact: true }).click();
  const rides = page.getByRole("list", { name: "My rides" }).getByRole("listitem");
  await page.getByText(/No rides yet|passenger/).first().waitFor({ timeout: TIMEOUT });
  const before = await rides.count();
  // By keyboard only: the form submits with Enter from its last field.
  await page.getByLabel("Passengers").fill("3");
  await page.getByLabel("Passengers").press("Enter");
  await page.getByText("Ride requested.").waitFor({ timeout: TIMEOUT });
  await waitFor(async () => (await rides.count()) === before + 1, "the new ride was not listed");
  // Newest first.
  const ride = rides.first();
  check((await ride.textContent()).includes("3 passengers"), "the listed ride is not the one requested");

  say("pay for it");
  await ride.getByLabel("Amount").fill("12.50");
  await ride.getByLabel("Currency").selectOption("EUR");
  await ride.getByRole("button", { name: "Pay", exact: true }).focus();
  await page.keyboard.press("Enter");
  await ride.getByText("Paid 12.50 EUR").waitFor({ timeout: TIMEOUT });
  const pay = apiRequests.find((r) => r.path === "/payment/payments" && r.method === "POST");
  check(pay?.status === 201 && pay.idempotencyKey !== null, `the payment was not made: ${JSON.stringify(pay)}`);

  say("an expired access token is renewed silently (the clock jumps past its expiry)");
  const oldToken = lastBearer("/payment/payments");
  const refreshesBefore = tokenResponses.filter((t) => t.grant === "refresh_token").length;
  await page.clock.fastForward((ACCESS_MINUTES + 1) * 60_000);
  await waitFor(
    () => tokenResponses.filter((t) => t.grant === "refresh_token" && t.status === 200).length > refreshesBefore,
    "no refresh_token grant after the access token expired",
  );
  await page.getByRole("link", { name: "Me", exact: true }).click();
  await page.getByRole("definition").filter({ hasText: USERNAME }).waitFor({ timeout: TIMEOUT });
  await waitFor(() => {
    const after = lastBearer("/user/me");
    return after !== null && after !== oldToken;
  }, "the API was not called with the renewed access token");
  check(new URL(page.url()).origin === APP_URL, `renewal left the app: ${page.url()}`);

  say("a revoked refresh token leads back to sign-in, and back to the same page after it");
  const refresh = [...tokenResponses].reverse().find((t) => t.refreshToken)?.refreshToken;
  check(refresh !== undefined, "no refresh token was seen");
  const revoked = await fetch(`${AUTH_ORIGIN}/oauth2/revoke`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: refresh, client_id: CLIENT_ID }),
  });
  check(revoked.status === 200, `revoking the refresh token answered ${revoked.status}`);
  // The hosted UI's own session (an hour on Cognito) would sign the user straight back in; let it
  // have ended too, so the login page shows.
  await context.clearCookies({ domain: new URL(AUTH_ORIGIN).hostname, name: "lamina-cognito" });
  await page.clock.fastForward((ACCESS_MINUTES + 1) * 60_000);
  await page.waitForURL((url) => url.origin === AUTH_ORIGIN, { timeout: TIMEOUT });
  check(
    tokenResponses.some((t) => t.grant === "refresh_token" && t.status === 400),
    "the revoked refresh token was not refused by Cognito",
  );
  await signIn(page);
  await page.waitForURL(`${APP_URL}/me`, { timeout: TIMEOUT });
  await page.getByRole("definition").filter({ hasText: USERNAME }).waitFor({ timeout: TIMEOUT });

  say("sign out through Cognito's /logout, then a protected page asks for sign-in");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${APP_URL}/`, { timeout: TIMEOUT });
  await page.getByRole("button", { name: "Sign in", exact: true }).waitFor({ timeout: TIMEOUT });
  check(
    cognitoCalls.some((c) => c.path === "/oauth2/revoke" && c.status === 200),
    "signing out did not revoke the refresh token",
  );
  const logout = cognitoCalls.find((c) => c.path === "/logout");
  check(
    logout?.status === 302 && logout.query.get("client_id") === CLIENT_ID && logout.query.get("logout_uri") === `${APP_URL}/`,
    `signing out did not go through /logout: ${JSON.stringify(logout)}`,
  );
  await page.goto(`${APP_URL}/rides`);
  await page.waitForURL((url) => url.origin === AUTH_ORIGIN, { timeout: TIMEOUT });
  await page.getByLabel("Username").waitFor({ timeout: TIMEOUT });

  say("done");
  return (Date.now() - started) / 1000;
}

async function signIn(page) {
  await page.getByLabel("Username").fill(USERNAME);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

function lastBearer(path) {
  const found = [...apiRequests].reverse().find((r) => r.path === path && r.status < 400);
  return found?.bearer ?? null;
}

async function waitFor(predicate, message) {
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(message);
}

function watch(page) {
  page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.stack ?? e.message}`));
  page.on("requestfailed", (r) => consoleLines.push(`[requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", async (response) => {
    const request = response.request();
    const url = new URL(response.url());
    if (url.origin === AUTH_ORIGIN && url.pathname === "/oauth2/token") {
      const form = new URLSearchParams(request.postData() ?? "");
      const entry = { grant: form.get("grant_type"), status: response.status(), refreshToken: null };
      tokenResponses.push(entry);
      try {
        entry.refreshToken = (await response.json()).refresh_token ?? null;
      } catch {
        // The body of a failed exchange may be gone with the navigation.
      }
      consoleLines.push(`[token] ${entry.grant} -> ${entry.status}`);
    } else if (url.origin === AUTH_ORIGIN && ["/oauth2/revoke", "/logout"].includes(url.pathname)) {
      cognitoCalls.push({ path: url.pathname, status: response.status(), query: url.searchParams });
    } else if (request.resourceType() === "fetch" && url.origin !== AUTH_ORIGIN && request.method() !== "OPTIONS") {
      const auth = request.headers()["authorization"] ?? null;
      apiRequests.push({
        method: request.method(),
        path: url.pathname,
        status: response.status(),
        bearer: auth?.startsWith("Bearer ") ? auth.slice(7) : null,
        idempotencyKey: request.headers()["idempotency-key"] ?? null,
      });
    }
  });
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext();
  // A clock the test can move: the access token "expires" without waiting an hour. Installed
  // before any page script runs; it keeps running in real time otherwise.
  await context.clock.install();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  watch(page);
  try {
    const seconds = await run(page, context);
    log(`passed in ${seconds.toFixed(1)} s`);
  } catch (error) {
    const shot = join(ARTIFACTS, "failure.png");
    const html = join(ARTIFACTS, "failure.html");
    const logFile = join(ARTIFACTS, "console.log");
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    writeFileSync(html, await page.content().catch(() => ""));
    writeFileSync(logFile, `${consoleLines.join("\n")}\n`);
    console.error(`[e2e] FAILED at "${step}": ${error instanceof Error ? error.stack : error}`);
    console.error(`[e2e] page: ${page.url()}`);
    console.error(`[e2e] screenshot: ${shot}`);
    console.error(`[e2e] page HTML: ${html}`);
    console.error(`[e2e] browser console: ${logFile}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

await main();
