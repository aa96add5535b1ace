// Drives the phone verifier page in Debian's Chromium (playwright-core), as a phone would
// meet it: the page opened on its own with the camera (a fake camera fed a video of the
// printed paper), or opened by the camera app at the URL in the paper's QR.
//
//   node web/tests/phone.mjs --url URL [--video paper.y4m] [--lang ar|en] [--offline]
//                            [--screenshot out.png]
//
// Prints one JSON line: {"verdict", "title", "advice", "facts": [[label, value]...],
// "dir", "lang"}. Exits 1 with a message when the page shows no verdict in 30 s.

import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1]?.startsWith("--") || all[i + 1] === undefined ? "1" : all[i + 1]]);
    return acc;
  }, []),
);
if (!args.url) {
  console.error("phone.mjs: --url is required");
  process.exit(2);
}

const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
];
if (args.video) flags.push(`--use-file-for-fake-video-capture=${args.video}`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: flags,
});
try {
  const context = await browser.newContext({
    locale: args.lang === "en" ? "en-GB" : "ar-QA",
    viewport: { width: 412, height: 915 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  if (args.offline) {
    // The page is there (with its bundled keys) but the ministry cannot be reached: every
    // API call fails as a dropped connection would, deterministically, whenever it is made.
    await context.route(/\/v1\/public\//, (route) => route.abort("internetdisconnected"));
  }
  await page.goto(args.url);
  try {
    await page.waitForSelector("#result:not([hidden])", { timeout: 30000 });
  } catch {
    console.error(`phone.mjs: no verdict shown within 30 s; page errors: ${errors.join(" | ") || "none"}`);
    process.exit(1);
  }
  const out = await page.evaluate(() => ({
    verdict: document.querySelector("#result").dataset.verdict,
    title: document.querySelector("#verdict").textContent,
    advice: document.querySelector("#advice").textContent,
    facts: [...document.querySelectorAll("#facts tr")].map((tr) => [tr.cells[0]?.textContent ?? tr.querySelector("th").textContent, tr.querySelector("td").textContent]),
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
  }));
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
