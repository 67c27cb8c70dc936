// Lighthouse against the main pages of a running Deskside (started with --demo), in Debian's
// Chromium, as the role each page is for; plus the WebAssembly's size raw, gzip and brotli.
//
//   node lighthouse.mjs http://127.0.0.1:3000 [--site ../target/site] [--out rows.json]
//
// Prints one JSON array of {metric, value, unit} rows on stdout (progress goes to stderr), the
// shape `make bench` collects into bench/results.json.
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import desktop from "lighthouse/core/config/desktop-config.js";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
const PASSWORD = "deskside-demo";
const REQUESTER = "rob@acme.example";
const MANAGER = "mia@acme.example";
const TECHNICIAN = "tom@provider.example";
const ADMIN = "admin@provider.example";

function args(argv) {
  const [base, ...rest] = argv;
  if (!base || !/^https?:\/\//.test(base)) {
    throw new Error("usage: node lighthouse.mjs <base-url> [--site dir] [--out file]");
  }
  const options = { base: base.replace(/\/$/, ""), site: resolve(import.meta.dirname, "../target/site"), out: null };
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === "--site") options.site = resolve(rest[i + 1]);
    else if (rest[i] === "--out") options.out = resolve(rest[i + 1]);
    else throw new Error(`unknown option ${rest[i]}`);
  }
  return options;
}

/** Signs in through the API; returns the session cookie as a `Cookie` header value. */
async function signIn(base, email) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`signing in as ${email}: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (cookies.length === 0) throw new Error(`signing in as ${email} set no cookie`);
  return cookies.join("; ");
}

/** Files a request as the employee, so there is a ticket page to measure; returns its id. */
async function fileTicket(base, cookie) {
  const res = await fetch(`${base}/api/v1/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({
      subject: "Lighthouse: the monitor flickers",
      body: "Since this morning, **every few seconds**.",
      priority: "normal",
      category: "Printing",
    }),
  });
  if (res.status !== 201) throw new Error(`filing a ticket: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

/** The WebAssembly the browser downloads, as shipped and as gzip and brotli would send it. */
function wasmRows(site) {
  const dir = join(site, "pkg");
  const files = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  if (files.length === 0) throw new Error(`no .wasm in ${dir}: build with cargo leptos build --release`);
  return files.flatMap((file) => {
    const bytes = readFileSync(join(dir, file));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    const brotli = brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length;
    return [
      { metric: `${file} size, raw`, value: bytes.length, unit: "bytes" },
      { metric: `${file} size, gzip -9`, value: gzip, unit: "bytes" },
      { metric: `${file} size, brotli -q 11`, value: brotli, unit: "bytes" },
    ];
  });
}

/** How many times a page is measured before a failed trace counts as a failure. */
const ATTEMPTS = 3;

/**
 * Lighthouse's report for one page, in a Chromium of its own. Lighthouse sometimes loses the
 * trace of a load on a busy machine (NO_NAVSTART, NO_FCP): such a run is repeated, in a fresh
 * browser, and only a page that fails every attempt fails the bench.
 */
async function measure(url, cookie) {
  let failure;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: FLAGS, logLevel: "silent" });
    try {
      const result = await lighthouse(
        url,
        {
          port: chrome.port,
          output: "json",
          logLevel: "error",
          onlyCategories: ["performance", "accessibility", "best-practices"],
          extraHeaders: cookie ? { Cookie: cookie } : undefined,
        },
        // Deskside is worked at a desk: the desktop preset (no phone-sized CPU and network).
        desktop,
      );
      const lhr = result?.lhr;
      if (!lhr) {
        failure = `lighthouse returned nothing for ${url}`;
      } else if (lhr.runtimeError) {
        failure = `${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`;
      } else {
        return lhr;
      }
    } finally {
      await chrome.kill();
    }
    process.stderr.write(`  attempt ${attempt} failed: ${failure}\n`);
  }
  throw new Error(failure);
}

async function main() {
  const { base, site, out } = args(process.argv.slice(2));
  const rows = wasmRows(site);

  const as = {
    anyone: "",
    requester: await signIn(base, REQUESTER),
    manager: await signIn(base, MANAGER),
    technician: await signIn(base, TECHNICIAN),
    admin: await signIn(base, ADMIN),
  };
  const ticket = await fileTicket(base, as.requester);
  const pages = [
    ["sign-in", "/login", "anyone"],
    ["home", "/", "requester"],
    ["my tickets", "/tickets", "requester"],
    ["new request", "/tickets/new", "requester"],
    ["ticket, as its requester", `/tickets/${ticket}`, "requester"],
    ["queue", "/tickets", "technician"],
    ["ticket, as a technician", `/tickets/${ticket}`, "technician"],
    ["wiki", "/wiki", "requester"],
    ["wiki article", "/wiki/printer-offline", "requester"],
    ["wiki search", "/wiki?q=printer", "requester"],
    ["article editor", "/wiki/printer-offline/edit", "technician"],
    ["reports", "/reports", "manager"],
    ["organization settings", "/settings", "manager"],
    ["admin", "/admin", "admin"],
    ["profile", "/profile", "requester"],
  ];

  for (const [name, path, role] of pages) {
    process.stderr.write(`lighthouse: ${name} (${path}) as ${role}\n`);
    const lhr = await measure(`${base}${path}`, as[role]);
    // A page that redirected (to sign-in) would measure the wrong thing.
    if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(`${base}${path}`).pathname) {
      throw new Error(`${path} ended at ${lhr.finalDisplayedUrl}`);
    }
    for (const [id, label] of [
      ["performance", "performance"],
      ["accessibility", "accessibility"],
      ["best-practices", "best practices"],
    ]) {
      const score = lhr.categories[id]?.score;
      if (typeof score !== "number") throw new Error(`${path}: no ${id} score`);
      rows.push({ metric: `lighthouse ${name}: ${label}`, value: Math.round(score * 100), unit: "score" });
    }
    const bytes = lhr.audits["total-byte-weight"]?.numericValue;
    if (typeof bytes !== "number") throw new Error(`${path}: no total-byte-weight`);
    rows.push({ metric: `lighthouse ${name}: first load transferred`, value: Math.round(bytes), unit: "bytes" });
    // What cost points, so a low score says where to look.
    for (const audit of Object.values(lhr.audits)) {
      if (audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== "informative" && audit.scoreDisplayMode !== "notApplicable") {
        process.stderr.write(`  ${audit.id}: ${Math.round(audit.score * 100)} ${audit.displayValue ?? ""}\n`);
      }
    }
  }

  const json = JSON.stringify(rows, null, 2);
  if (out) writeFileSync(out, json);
  process.stdout.write(`${json}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
