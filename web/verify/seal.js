// The Tawkeed seal, read and checked in the browser (DESIGN §4): the QR's URL → the seal
// in its fragment → Base45 (RFC 9285) → zlib (RFC 1950, DecompressionStream "deflate") →
// COSE_Sign1 (RFC 9052) → ES256 with WebCrypto → CBOR claims (RFC 8949). The same rules
// and verdicts as the kiosk (`manassa::tawkeed`).

export const PREFIX = "MNS2:";
export const PREFIX_V1 = "MNS1:";
const MAX_DECOMPRESSED = 8 * 1024;
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// CBOR keys of the facts map, and their names (the seal contract, crates/seal/src/claims.rs).
export const FACTS = {
  1: "holder_name_ar", 2: "holder_name_en", 3: "qid_last4",
  10: "permit_no", 11: "plot_no", 12: "zone", 13: "municipality_ar", 14: "municipality_en",
  15: "use_ar", 16: "use_en", 17: "floors", 18: "built_area_m2", 19: "expires_on",
  20: "completed_on", 21: "inspected_on",
  30: "employer_ar", 31: "employer_en", 32: "period", 33: "basic_salary",
  34: "allowances_total", 35: "deductions", 36: "net", 37: "currency",
};

/** A seal that cannot be read or does not verify. `kind`: not_a_seal | malformed | bad_signature | unknown_key | key_not_valid */
export class SealError extends Error {
  constructor(kind, detail) {
    super(`${kind}: ${detail}`);
    this.kind = kind;
  }
}

/** The seal in a scanned text: the text itself, or a URL's percent-decoded fragment. */
export function sealFromText(text) {
  const t = String(text).trim();
  if (t.startsWith(PREFIX) || t.startsWith(PREFIX_V1)) return t;
  const hash = t.indexOf("#");
  if (hash < 0) throw new SealError("not_a_seal", "no fragment");
  let seal;
  try {
    seal = decodeURIComponent(t.slice(hash + 1));
  } catch {
    throw new SealError("not_a_seal", "bad escape");
  }
  if (seal.startsWith(PREFIX) || seal.startsWith(PREFIX_V1)) return seal;
  throw new SealError("not_a_seal", "no seal prefix");
}

export function base45Decode(s) {
  if (s.length % 3 === 1) throw new SealError("malformed", "Base45 length");
  const out = [];
  for (let i = 0; i < s.length; i += 3) {
    const c = [...s.slice(i, i + 3)].map((ch) => {
      const v = B45.indexOf(ch);
      if (v < 0) throw new SealError("malformed", "not Base45");
      return v;
    });
    if (c.length === 3) {
      const n = c[0] + c[1] * 45 + c[2] * 2025;
      if (n > 0xffff) throw new SealError("malformed", "Base45 group");
      out.push(n >> 8, n & 0xff);
    } else {
      const n = c[0] + c[1] * 45;
      if (n > 0xff) throw new SealError("malformed", "Base45 group");
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    let r;
    try {
      r = await reader.read();
    } catch {
      throw new SealError("malformed", "not zlib");
    }
    if (r.done) break;
    total += r.value.length;
    if (total > MAX_DECOMPRESSED) {
      reader.cancel();
      throw new SealError("malformed", "too large");
    }
    parts.push(r.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decode one CBOR item (RFC 8949): ints, byte and text strings, arrays, maps (as Map), tags (as {tag, value}), simple values. */
export function cborDecode(bytes) {
  let i = 0;
  const need = (n) => {
    if (i + n > bytes.length) throw new SealError("malformed", "CBOR cut short");
  };
  const arg = (info) => {
    if (info < 24) return info;
    const n = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!n) throw new SealError("malformed", "CBOR indefinite or reserved");
    need(n);
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + bytes[i++];
    return v;
  };
  const item = (depth) => {
    if (depth > 16) throw new SealError("malformed", "CBOR too deep");
    need(1);
    const b = bytes[i++];
    const major = b >> 5;
    const info = b & 31;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      throw new SealError("malformed", "CBOR float or simple");
    }
    const n = arg(info);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: need(n); i += n; return bytes.slice(i - n, i);
      case 3: {
        need(n);
        i += n;
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes.slice(i - n, i));
      }
      case 4: {
        if (n > 64) throw new SealError("malformed", "CBOR array too long");
        const a = [];
        for (let k = 0; k < n; k++) a.push(item(depth + 1));
        return a;
      }
      case 5: {
        if (n > 64) throw new SealError("malformed", "CBOR map too long");
        const m = new Map();
        for (let k = 0; k < n; k++) {
          const key = item(depth + 1);
          if (m.has(key)) throw new SealError("malformed", "CBOR repeated key");
          m.set(key, item(depth + 1));
        }
        return m;
      }
      default: return { tag: n, value: item(depth + 1) };
    }
  };
  let v;
  try {
    v = item(0);
  } catch (e) {
    throw e instanceof SealError ? e : new SealError("malformed", "CBOR text");
  }
  if (i !== bytes.length) throw new SealError("malformed", "CBOR trailing bytes");
  return v;
}

function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 0xff];
}

// Sig_structure (RFC 9052 §4.4): ["Signature1", protected, external_aad = h'', payload].
function sigStructure(protectedBytes, payload) {
  const text = new TextEncoder().encode("Signature1");
  return new Uint8Array([
    0x84,
    ...head(3, text.length), ...text,
    ...head(2, protectedBytes.length), ...protectedBytes,
    ...head(2, 0),
    ...head(2, payload.length), ...payload,
  ]);
}

/** Open a seal without checking it: {version, kid, protectedBytes, payload, signature}. */
export async function openSeal(text) {
  const seal = sealFromText(text);
  const version = seal.startsWith(PREFIX) ? 2 : 1;
  const compressed = base45Decode(seal.slice(PREFIX.length));
  const cose = cborDecode(await inflate(compressed));
  const sign1 = cose && cose.tag === 18 ? cose.value : cose;
  if (!Array.isArray(sign1) || sign1.length !== 4 || !(sign1[0] instanceof Uint8Array)
      || !(sign1[2] instanceof Uint8Array) || !(sign1[3] instanceof Uint8Array)) {
    throw new SealError("malformed", "not COSE_Sign1");
  }
  const prot = sign1[0].length ? cborDecode(sign1[0]) : new Map();
  if (!(prot instanceof Map) || prot.get(1) !== -7) throw new SealError("malformed", "not ES256");
  const kidBytes = prot.get(4);
  if (!(kidBytes instanceof Uint8Array)) throw new SealError("unknown_key", "no kid");
  const kid = new TextDecoder().decode(kidBytes);
  return { version, kid, protectedBytes: sign1[0], payload: sign1[2], signature: sign1[3] };
}

function readClaims(version, payload) {
  const m = cborDecode(payload);
  if (!(m instanceof Map)) throw new SealError("malformed", "claims are not a map");
  const text = (k) => {
    const v = m.get(k);
    if (typeof v !== "string") throw new SealError("malformed", "a claim is missing");
    return v;
  };
  const claims = {
    version,
    document_id: text(1), kind: text(2), number: text(3), holder_ref: text(4),
    issued_on: text(5), signed_on: text(7), facts: [],
  };
  if (version === 1) {
    if (m.has(0) || m.has(8)) throw new SealError("malformed", "a v2 payload under a v1 prefix");
    return claims;
  }
  if (m.get(0) !== 2) throw new SealError("malformed", "version claim");
  const facts = m.get(8);
  if (!(facts instanceof Map)) throw new SealError("malformed", "facts claim");
  for (const [k, v] of [...facts.entries()].sort((a, b) => a[0] - b[0])) {
    if (typeof v !== "string") throw new SealError("malformed", "a fact is not text");
    if (FACTS[k]) claims.facts.push([FACTS[k], v]);
  }
  return claims;
}

const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** Whether key `k` (a /v1/keys entry) was in force on `date` (YYYY-MM-DD). */
function inForce(k, date) {
  const nb = k.not_before ? String(k.not_before).slice(0, 10) : null;
  const na = k.not_after ? String(k.not_after).slice(0, 10) : null;
  return !(nb && date < nb) && !(na && date > na);
}

/** Verify an opened seal with `key` (a /v1/keys JWK entry); returns the claims. */
export async function verifyWith(opened, key) {
  if (key.alg !== "ES256" || key.crv !== "P-256") throw new SealError("unknown_key", "not ES256");
  let pub;
  try {
    pub = await crypto.subtle.importKey(
      "jwk", { kty: "EC", crv: "P-256", x: key.x, y: key.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    throw new SealError("unknown_key", "key cannot be imported");
  }
  if (opened.signature.length !== 64 || b64url(key.x).length !== 32) {
    throw new SealError("bad_signature", "signature length");
  }
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" }, pub, opened.signature,
    sigStructure(opened.protectedBytes, opened.payload));
  if (!ok) throw new SealError("bad_signature", "signature does not match");
  const claims = readClaims(opened.version, opened.payload);
  if (!inForce(key, claims.signed_on)) throw new SealError("key_not_valid", "key not in force");
  return claims;
}
