// The phone verifier page: reads the paper's QR (the URL's fragment when the camera app
// opened it, else the camera through BarcodeDetector or jsQR), checks the seal offline
// with the ministry's keys (bundled with the page, refreshed when online), asks the
// ministry whether the paper was revoked, and shows the verdict with the sealed facts in
// Arabic (right to left) or English. Verdicts as the kiosk's: genuine, genuine_unchecked,
// revoked, altered, unverifiable, not_a_seal.

import { openSeal, verifyWith, SealError } from "./seal.js";

const API = document.querySelector('meta[name="ministry-api"]')?.content || location.origin;
const KEY_CACHE = "manassa-verify-keys";
let messages = { ar: {}, en: {} };
let lang = (navigator.language || "ar").startsWith("ar") ? "ar" : "en";
let last = null; // the last result, re-drawn on a language switch

const $ = (id) => document.getElementById(id);
const t = (id, args = {}) => {
  let s = messages[lang][id] ?? id;
  for (const [k, v] of Object.entries(args)) s = s.replace(`{${k}}`, v);
  return s;
};

// -- keys ----------------------------------------------------------------------------
function cachedKeys() {
  try {
    const c = JSON.parse(localStorage.getItem(KEY_CACHE) || "null");
    return Array.isArray(c?.keys) ? c.keys : null;
  } catch {
    return null;
  }
}

let bundled = [];
function currentKeys() {
  return cachedKeys() ?? bundled;
}

/** Fetch the ministry's keys; throws on a network failure or a bad answer. */
async function refreshKeys() {
  const r = await fetch(`${API}/v1/public/keys`, { cache: "no-store" });
  if (!r.ok) throw new Error(`keys: HTTP ${r.status}`);
  const body = await r.json();
  if (!Array.isArray(body?.keys)) throw new Error("keys: no list");
  // A key that cannot be used is skipped when verifying, not here: keep the set whole.
  localStorage.setItem(KEY_CACHE, JSON.stringify({ keys: body.keys, fetched_at: Date.now() }));
  return body.keys;
}

// -- the verdict ---------------------------------------------------------------------
/** The verdict on a scanned text: {verdict, claims?, kid?, checkedOnline, notConfirmed}. */
export async function judge(text) {
  let opened;
  try {
    opened = await openSeal(text);
  } catch (e) {
    const kind = e instanceof SealError ? e.kind : "malformed";
    return { verdict: kind === "not_a_seal" ? "not_a_seal" : "altered" };
  }
  const kid = opened.kid;
  let key = currentKeys().find((k) => k.kid === kid);
  if (!key) {
    try {
      key = (await refreshKeys()).find((k) => k.kid === kid);
    } catch {
      return { verdict: "unverifiable", kid };
    }
    if (!key) return { verdict: "altered", kid };
  }
  let claims;
  try {
    claims = await verifyWith(opened, key);
  } catch {
    return { verdict: "altered", kid };
  }
  let r;
  try {
    r = await fetch(`${API}/v1/public/seals/${encodeURIComponent(claims.document_id)}/status`,
      { cache: "no-store" });
  } catch {
    return { verdict: "genuine_unchecked", claims, kid, checkedOnline: false };
  }
  let status = null;
  try {
    status = r.ok ? (await r.json()).status : null;
  } catch {
    status = null;
  }
  if (status === "valid") return { verdict: "genuine", claims, kid, checkedOnline: true };
  if (status === "revoked") return { verdict: "revoked", claims, kid, checkedOnline: true };
  return { verdict: "genuine_unchecked", claims, kid, checkedOnline: false, notConfirmed: true };
}

// -- drawing -------------------------------------------------------------------------
const TITLES = {
  genuine: "verdict-genuine", genuine_unchecked: "verdict-genuine-unchecked",
  revoked: "verdict-revoked", altered: "verdict-altered",
  unverifiable: "verdict-unverifiable", not_a_seal: "verdict-not-a-seal",
};
const ADVICE = {
  genuine: "verdict-compare", genuine_unchecked: "verdict-compare",
  revoked: "verdict-revoked-advice", altered: "verdict-altered-advice",
  unverifiable: "verdict-unverifiable-advice", not_a_seal: "verdict-not-a-seal-advice",
};
const LEVEL = {
  genuine: "ok", genuine_unchecked: "warn", revoked: "bad", altered: "bad",
  unverifiable: "unknown", not_a_seal: "bad",
};
const ICON = { ok: "✓", warn: "!", bad: "✕", unknown: "?" };

const locale = () => (lang === "ar" ? "ar-QA-u-nu-latn" : "en-GB");
function dateText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(d);
}
function amountText(v) {
  if (!/^\d+(\.\d+)?$/.test(v)) return v;
  const frac = (v.split(".")[1] || "").length;
  const n = new Intl.NumberFormat(locale(), { minimumFractionDigits: Math.max(2, frac) }).format(Number(v));
  return t("amount-qar", { amount: n });
}
function factValue(name, v) {
  if (["expires_on", "completed_on", "inspected_on"].includes(name)) return dateText(v);
  if (["basic_salary", "allowances_total", "deductions", "net"].includes(name)) return amountText(v);
  if (name === "qid_last4") return `••••••• ${v}`;
  if (name === "built_area_m2") return t("fact-area-value", { area: v });
  return v;
}

function row(label, value, ltrValue) {
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  th.textContent = label;
  const td = document.createElement("td");
  td.textContent = value; // never innerHTML: sealed text is data
  td.dir = ltrValue ? "ltr" : "auto";
  tr.append(th, td);
  return tr;
}

function draw() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
  document.title = t("verify-page-title");
  $("title").textContent = t("verify-page-title");
  $("ministry").textContent = t("verify-page-ministry");
  $("lang").textContent = t("verify-page-language");
  $("prompt").textContent = t("verify-page-scan");
  $("again").textContent = t("verify-page-again");
  $("checking").textContent = t("verify-page-checking");
  const res = $("result");
  if (!last) {
    res.hidden = true;
    return;
  }
  const level = LEVEL[last.verdict];
  res.hidden = false;
  res.dataset.verdict = last.verdict;
  res.className = `result ${level}`;
  $("icon").textContent = ICON[level];
  $("verdict").textContent = t(last.notConfirmed ? "verdict-not-confirmed" : TITLES[last.verdict]);
  $("advice").textContent = t(ADVICE[last.verdict]);
  const facts = $("facts");
  facts.replaceChildren();
  const c = last.claims;
  if (c) {
    facts.append(row(t("fact-kind"), t(`doc-kind-${c.kind}`)));
    facts.append(row(t("fact-number"), c.number, true));
    facts.append(row(t("fact-issued-on"), dateText(c.issued_on)));
    for (const [name, v] of c.facts) {
      facts.append(row(t(`fact-${name.replace(/_/g, "-")}`), factValue(name, v),
        ["floors", "plot_no", "zone", "permit_no", "period", "currency", "qid_last4"].includes(name)));
    }
  }
}

async function show(text) {
  $("scan").hidden = true;
  $("busy").hidden = false;
  last = await judge(text);
  $("busy").hidden = true;
  draw();
}

// -- the camera ----------------------------------------------------------------------
let stream = null;
async function scanCamera() {
  $("scan").hidden = false;
  $("result").hidden = true;
  const video = $("video");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    $("prompt").textContent = t("verify-page-no-camera");
    return;
  }
  video.srcObject = stream;
  await video.play();
  const detector = "BarcodeDetector" in window
    ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const tick = async () => {
    if (!stream) return;
    let text = null;
    if (video.videoWidth) {
      if (detector) {
        const codes = await detector.detect(video).catch(() => []);
        text = codes[0]?.rawValue ?? null;
      } else {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        text = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" })?.data ?? null;
      }
    }
    if (text) {
      stream.getTracks().forEach((tr) => tr.stop());
      stream = null;
      await show(text);
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
}

async function main() {
  const [m, k] = await Promise.all([
    fetch("/verify/messages.json").then((r) => r.json()),
    fetch("/verify/keys.json").then((r) => r.json()).catch(() => ({ keys: [] })),
  ]);
  messages = m;
  bundled = Array.isArray(k.keys) ? k.keys : [];
  document.body.dataset.loaded = "1";
  $("lang").onclick = () => {
    lang = lang === "ar" ? "en" : "ar";
    draw();
  };
  $("again").onclick = () => {
    history.replaceState(null, "", location.pathname);
    last = null;
    draw();
    scanCamera();
  };
  draw();
  refreshKeys().catch(() => {}); // when online; the bundled or saved keys serve otherwise
  if (location.hash.length > 1) {
    await show(location.href);
  } else {
    await scanCamera();
  }
  document.body.dataset.ready = "1";
}

main();
