import { type Config, readConfig } from "./config";
import { activateScripts, handleFrames } from "./blocking";
import { consentDefault, consentUpdate } from "./consentmode";
import { COOKIE, type Consent, decode, encode, makeConsent, newId, stillValid } from "./consent";
import { deleteCookies, deleteStorage, readCookie, writeCookie } from "./cookie";
import { localiser, pickLanguage } from "./language";
import { hostAllowed } from "./origin";
import { createUi } from "./ui";

type Listener = (consent: ReturnType<typeof view>) => void;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

// What the page's own code sees: copies, so it cannot alter the runtime's state.
function view(c: Consent | null) {
  return c
    ? {
        id: c.id,
        version: c.version,
        categories: { ...c.categories },
        services: { ...c.services },
        time: new Date(c.time).toISOString(),
        gpc: c.gpc,
      }
    : null;
}

function start(config: Config): void {
  const script = document.currentScript as HTMLScriptElement | null;
  // The endpoint lives on the host that served this script, not on the customer's site.
  let endpoint = "";
  try {
    endpoint = new URL(config.consent_endpoint, (script && script.src) || location.href).href;
  } catch (e) {
    // Without an endpoint the choice still works; it just is not recorded.
  }
  const l = localiser(config, pickLanguage(config));
  const consentMode = !!config.options.consent_mode;
  const gpcSignal = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  const listeners: Listener[] = [];

  // Consent Mode defaults go first, before anything on the page can be activated.
  if (consentMode) consentDefault();

  const raw = readCookie(COOKIE);
  let stored = raw ? decode(raw, config) : null;
  let current = stored && stillValid(stored, config) ? stored : null;

  const granted = (id: string) =>
    !!current &&
    (has(current.services, id) ? current.services[id] : has(current.categories, id) && current.categories[id]);

  const apply = () => {
    activateScripts(granted);
    handleFrames(config, l, granted);
  };

  function record(c: Consent, action: string, layer: number): void {
    if (!endpoint) return;
    const body = JSON.stringify({
      consent_id: c.id,
      version: c.version,
      sha256: config.sha256,
      action,
      categories: c.categories,
      services: c.services,
      layer,
      gpc: gpcSignal,
      language: l.lang,
    });
    try {
      if (!navigator.sendBeacon(endpoint, body)) {
        fetch(endpoint, { method: "POST", body, keepalive: true, mode: "no-cors" }).catch(() => undefined);
      }
    } catch (e) {
      // Recording must never break the page.
    }
  }

  function decide(categories: Record<string, boolean>, action: string, layer: number, gpc = false): void {
    const previous = current || stored;
    const c = makeConsent(config, categories, previous ? previous.id : newId(), gpc);
    let withdrawn = false;
    if (previous) {
      // Withdrawing must also remove what the withdrawn services already left behind.
      config.services.forEach((s) => {
        if (previous.categories[s.category] && !c.categories[s.category]) {
          withdrawn = true;
          deleteCookies(s.cookies || []);
          deleteStorage(s.storage || []);
        }
      });
    }
    current = stored = c;
    writeCookie(COOKIE, encode(c), Math.round(config.lifetime_days * 86400));
    if (consentMode) consentUpdate(c.categories);
    apply();
    record(c, withdrawn ? "withdraw" : action, layer);
    const v = view(c);
    listeners.forEach((fn) => {
      try {
        fn(v);
      } catch (e) {
        // One failing listener must not keep the others from hearing about the choice.
      }
    });
    document.dispatchEvent(new CustomEvent("consentserve:change", { detail: view(c) }));
  }

  const ui = createUi(config, l, () => current || stored, decide);

  (window as unknown as { CONSENTserve: unknown }).CONSENTserve = {
    show: () => ui.open(),
    getConsent: () => view(current),
    on(event: string, fn: Listener) {
      if (event === "change" && typeof fn === "function") listeners.push(fn);
    },
  };

  if (current && consentMode) consentUpdate(current.categories);

  function begin(): void {
    if (current) {
      ui.showReopen();
    } else if (config.options.gpc && gpcSignal && (!stored || stored.gpc)) {
      // GPC counts as "reject all non-essential"; only an explicit later choice overrides it.
      decide({}, "gpc", 0, true);
      ui.showReopen();
    } else {
      ui.open();
    }
    apply();
  }

  document.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    if (target && target.closest && target.closest("[data-consentserve-open]")) {
      e.preventDefault();
      ui.open();
    }
  });

  if (document.body) begin();
  else document.addEventListener("DOMContentLoaded", begin);
  // Blocked elements further down the page only exist once it has been parsed.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
}

(function () {
  if ((window as unknown as { CONSENTserve?: unknown }).CONSENTserve) return;
  const config = readConfig();
  if (config && hostAllowed(location.hostname, config.domains)) start(config);
})();
