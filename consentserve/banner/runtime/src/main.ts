import { type Config, readConfig, type StorageItem } from "./config";
import { activateScripts, handleFrames } from "./blocking";
import { consentDefault, consentUpdate } from "./consentmode";
import {
  COOKIE,
  type Choice,
  type Consent,
  decode,
  encode,
  everything,
  has,
  makeConsent,
  newId,
  stillValid,
} from "./consent";
import { cookieValue, deleteCookies, deleteStorage, readCookie, writeCookie } from "./cookie";
import { localiser, pickLanguage } from "./language";
import { hostAllowed } from "./origin";
import { createUi } from "./ui";

type Listener = (consent: ReturnType<typeof view>) => void;

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
  // The portal's live preview: shows the layers and reacts to choices, but reads and writes no
  // cookie or storage, records nothing and leaves Consent Mode and blocked elements alone.
  const preview = config.preview === true;
  // The endpoint lives on the host that served this script, not on the customer's site.
  let endpoint = "";
  try {
    if (!preview) endpoint = new URL(config.consent_endpoint, (script && script.src) || location.href).href;
  } catch (e) {
    // Without an endpoint the choice still works; it just is not recorded.
  }
  const l = localiser(config, pickLanguage(config));
  const consentMode = !preview && !!config.options.consent_mode;
  const gpcSignal = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  const listeners: Listener[] = [];

  // Consent Mode defaults go first, before anything on the page can be activated.
  if (consentMode) consentDefault();

  let stored: Consent | null = null;
  let current: Consent | null = null;
  let read = false;

  // A blocked element names a service or a category; a category counts once any of its services does.
  const granted = (id: string) =>
    !!current &&
    (has(current.services, id) ? current.services[id] : has(current.categories, id) && current.categories[id]);

  const apply = () => {
    if (preview || !read) return;
    activateScripts(granted);
    handleFrames(config, l, granted);
  };

  const save = (c: Consent) =>
    writeCookie(COOKIE, encode(c, config), Math.round(config.lifetime_days * 86400 - (Date.now() - c.time) / 1000));

  // A decision stays pending in the cookie until the collector has answered it: stored (204),
  // known already (409: the collector tells a repeat by consent ID and time, so sending again
  // never stores twice) or refused for good (another 4xx). Without an answer (network error,
  // 5xx, 429) it is sent again once after 2 s, and on the next page view at the latest.
  function record(c: Consent, again?: boolean): void {
    const p = c.pending;
    if (!endpoint || !p) return;
    const body = JSON.stringify({
      consent_id: c.id,
      version: c.version,
      sha256: config.sha256,
      action: p[0],
      categories: c.categories,
      services: c.services,
      layer: +p[1],
      gpc: p[2] === "1",
      language: p[3],
      path: p[4],
      time: c.time,
    });
    const retry = () => again || setTimeout(() => record(c, true), 2000);
    try {
      fetch(endpoint, { method: "POST", body, keepalive: true }).then((r) => {
        const s = r.status;
        if (s > 499 || s === 429 || s === 408) retry();
        else if (c.pending === p) {
          c.pending = undefined;
          if (stored === c) save(c);
        }
      }, retry);
    } catch (e) {
      // Recording must never break the page; the next page view sends it again.
    }
  }

  // Withdrawing must also remove what the withdrawn services already left behind, except
  // names that a service still granted declares as well.
  function clean(previous: Consent, c: Consent): boolean {
    const gone: StorageItem[][] = [[], []];
    const kept: StorageItem[][] = [[], []];
    let withdrawn = false;
    config.services.forEach((s) => {
      const into = c.services[s.id] ? kept : previous.services[s.id] ? gone : null;
      if (into === gone) withdrawn = true;
      if (into) {
        into[0].push(...(s.cookies || []));
        into[1].push(...(s.storage || []));
      }
    });
    config.categories.forEach((cat) => {
      if (previous.categories[cat.id] && !c.categories[cat.id]) withdrawn = true;
    });
    deleteCookies(gone[0], kept[0]);
    deleteStorage(gone[1], kept[1]);
    return withdrawn;
  }

  function decide(choice: Choice, action: string, layer: number, gpc = false): void {
    const previous = current || stored;
    // Each decision gets its own time, even two within one millisecond: the collector
    // tells a repeated record from a new decision by consent ID and time.
    const time = Math.max(Date.now(), previous ? previous.time + 1 : 0);
    const c = makeConsent(config, choice, previous ? previous.id : newId(), gpc, time);
    const withdrawn = previous && !preview ? clean(previous, c) : false;
    // The path is cut so that the cookie stays far below browsers' 4 KB.
    if (endpoint)
      c.pending = [withdrawn ? "withdraw" : action, "" + layer, gpcSignal ? "1" : "0", l.lang, location.pathname.slice(0, 512)];
    current = stored = c;
    if (!preview) save(c);
    if (consentMode) consentUpdate(config, c);
    apply();
    record(c);
    const v = view(c);
    listeners.forEach((fn) => {
      try {
        fn(v);
      } catch (e) {
        // One failing listener must not keep the others from hearing about the choice.
      }
    });
    document.dispatchEvent(new CustomEvent("consentserve:change", { detail: view(c) }));
    // The designer keeps looking at the banner after trying a choice.
    if (preview) setTimeout(show, 1000);
  }

  const ui = createUi(config, l, () => current || stored, decide, preview);
  const show = () => (preview && config.preview_layer === 2 ? ui.settings() : ui.open());

  // Everything after Consent Mode's defaults waits for the stored choice; the first answer counts.
  function proceed(raw: string | null): void {
    if (read) return;
    read = true;
    stored = raw ? decode(raw, config) : null;
    current = stored && stillValid(stored, config) ? stored : null;
    // A decision the collector has not acknowledged yet goes again, once per page view; one
    // for a version no longer published cannot be rebuilt (its texts' hash is gone).
    if (stored && stored.pending && stored.version === config.version) record(stored);
    if (current && consentMode) consentUpdate(config, current);
    if (document.body) begin();
    else document.addEventListener("DOMContentLoaded", begin);
  }
  // The page's own code may ask before the cookie store has answered: then read at once.
  const now = () => {
    if (!read) proceed(readCookie(COOKIE));
  };

  const reopen = () => {
    now();
    ui.open();
  };

  (window as unknown as { CONSENTserve: unknown }).CONSENTserve = {
    show: reopen,
    getConsent: () => {
      now();
      return view(current);
    },
    on(event: string, fn: Listener) {
      if (event === "change" && typeof fn === "function") listeners.push(fn);
    },
  };

  function begin(): void {
    if (preview) {
      show();
    } else if (current) {
      ui.showReopen();
    } else if (config.options.gpc && gpcSignal && (!stored || stored.gpc)) {
      // GPC counts as "reject all non-essential"; only an explicit later choice overrides it.
      decide(everything(config, false), "gpc", 0, true);
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
      reopen();
    }
  });

  // `document.cookie` waits for the browser's cookie store on the main thread; the Cookie
  // Store API (secure pages in Chromium, Firefox, Safari) asks without blocking the page.
  const store = (window as unknown as { cookieStore?: { get(name: string): Promise<{ value: string } | null> } })
    .cookieStore;
  if (preview) proceed(null);
  else if (store) store.get(COOKIE).then((c) => proceed(c && cookieValue(c.value)), now);
  else now();
  // Blocked elements further down the page only exist once it has been parsed.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
}

(function () {
  if ((window as unknown as { CONSENTserve?: unknown }).CONSENTserve) return;
  const config = readConfig();
  // The preview runs inside the portal, which is not one of the customer's domains; it records
  // nothing, so skipping the check there lets nobody collect consent in the customer's name.
  if (config && (config.preview === true || hostAllowed(location.hostname, config.domains))) start(config);
})();
