/* nf.js: Nurtureflow's first-party tracker. Served as-is by GET /nf.js (no build step). Paste:
   <script async src="PUBLIC_URL/nf.js" data-site-key="KEY"></script>
   Nothing is stored or sent before nurtureflow.consent(true); calls made before are held in memory
   and sent once consent is given, or dropped if it is refused. Messages use Segment's format and go
   to PUBLIC_URL/v1/batch with the site key (an ingest key) in the body: sendBeacon cannot set headers,
   and a text/plain body is a CORS-safelisted request, so no preflight is needed. */
(() => {
  const script = document.currentScript;
  if (!script || window.nurtureflow) return;
  const siteKey = script.getAttribute("data-site-key") || "";
  const endpoint = new URL("/v1/batch", script.src).href;
  const CONSENT_KEY = "nf_consent";
  const ANONYMOUS_KEY = "nf_aid";
  const FLUSH_MS = 1000;
  const MAX_BATCH = 20;
  let held = [];
  let queue = [];
  let timer = null;

  function read(key) {
    try {
      const stored = window.localStorage.getItem(key);
      if (stored) return stored;
    } catch (_) {}
    const match = document.cookie.match(new RegExp(`(?:^|; )${key}=([^;]*)`));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function write(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (_) {}
    // biome-ignore lint/suspicious/noDocumentCookie: the fallback where localStorage is unavailable; the Cookie Store API is not in every browser
    document.cookie = `${key}=${encodeURIComponent(value)}; path=/; max-age=31536000; SameSite=Lax`;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
      const r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 3) | 8).toString(16);
    });
  }

  function consentState() {
    return read(CONSENT_KEY);
  }

  function anonymousId() {
    let id = read(ANONYMOUS_KEY);
    if (!id) {
      id = uuid();
      write(ANONYMOUS_KEY, id);
    }
    return id;
  }

  function pageContext() {
    return {
      path: location.pathname,
      url: location.href,
      title: document.title,
      referrer: document.referrer,
      search: location.search,
    };
  }

  function send(useBeacon) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (queue.length === 0) return;
    const body = JSON.stringify({ writeKey: siteKey, sentAt: new Date().toISOString(), batch: queue });
    queue = [];
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(endpoint, new Blob([body], { type: "text/plain" }));
      return;
    }
    fetch(endpoint, {
      method: "POST",
      body: body,
      headers: { "content-type": "text/plain" },
      keepalive: true,
      credentials: "omit",
    }).catch(() => {});
  }

  function enqueue(message) {
    message.messageId = uuid();
    message.anonymousId = anonymousId();
    message.context = message.context || {};
    message.context.library = { name: "nf.js", version: "1" };
    message.context.userAgent = navigator.userAgent;
    message.context.consent = { categoryPreferences: { marketing: consentState() === "granted" } };
    try {
      message.context.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (_) {}
    queue.push(message);
    if (queue.length >= MAX_BATCH) send(false);
    else if (!timer) timer = setTimeout(send, FLUSH_MS);
  }

  function call(message) {
    message.timestamp = new Date().toISOString();
    message.context = { page: pageContext() };
    const state = consentState();
    if (state === "granted") enqueue(message);
    else if (state !== "denied") held.push(message);
  }

  window.nurtureflow = {
    page: (name, properties) => {
      call({ type: "page", name: name, properties: properties || {} });
    },
    identify: (email, traits) => {
      const all = {};
      for (const key in traits || {}) all[key] = traits[key];
      all.email = email;
      call({ type: "identify", traits: all });
    },
    track: (event, properties) => {
      call({ type: "track", event: event, properties: properties || {} });
    },
    /** The visitor's choice: true allows tracking and marketing email; false stops both. */
    consent: (granted) => {
      const before = consentState();
      write(CONSENT_KEY, granted ? "granted" : "denied");
      const pending = held;
      held = [];
      if (granted) {
        for (let i = 0; i < pending.length; i++) enqueue(pending[i]);
      } else if (before === "granted") {
        // The withdrawal itself is recorded, so marketing consent is withdrawn on the contact too.
        const withdrawal = { type: "track", event: "Consent Withdrawn", timestamp: new Date().toISOString() };
        withdrawal.context = { page: pageContext() };
        enqueue(withdrawal);
        send(true);
      }
    },
  };

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send(true);
  });
  window.addEventListener("pagehide", () => {
    send(true);
  });
  if (script.getAttribute("data-auto-page") !== "false") window.nurtureflow.page();
})();
