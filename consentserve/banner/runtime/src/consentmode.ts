import type { Config } from "./config";
import { type Consent, has } from "./consent";

// Google Consent Mode v2: the defaults must be in the dataLayer before any tag runs,
// and every later choice is passed on as an update.
type Gtag = (...args: unknown[]) => void;
interface GtagWindow {
  dataLayer?: unknown[];
  gtag?: Gtag;
}

const SIGNALS: Record<string, string[]> = {
  statistics: ["analytics_storage"],
  marketing: ["ad_storage", "ad_user_data", "ad_personalization"],
  preferences: ["functionality_storage", "personalization_storage"],
};

function gtag(): Gtag {
  const w = window as unknown as GtagWindow;
  w.dataLayer = w.dataLayer || [];
  if (!w.gtag) {
    // gtag.js reads Arguments objects from the dataLayer, not arrays.
    w.gtag = function () {
      w.dataLayer!.push(arguments);
    };
  }
  return w.gtag;
}

// Every signal denied except security_storage; a tag waits up to 500 ms for the update.
export function consentDefault(): void {
  const g = gtag();
  const denied: Record<string, unknown> = {};
  Object.keys(SIGNALS).forEach((cat) => SIGNALS[cat].forEach((signal) => (denied[signal] = "denied")));
  denied.security_storage = "granted";
  denied.wait_for_update = 500;
  g("consent", "default", denied);
  g("set", "ads_data_redaction", true);
  g("set", "url_passthrough", false);
}

// A signal is granted when its standard category is, or when any granted service lists it;
// so a custom category reaches Consent Mode through its services.
export function consentUpdate(config: Config, c: Consent): void {
  const update: Record<string, string> = {};
  Object.keys(SIGNALS).forEach((cat) =>
    SIGNALS[cat].forEach((signal) => (update[signal] = c.categories[cat] === true ? "granted" : "denied")),
  );
  config.services.forEach((s) =>
    (c.services[s.id] === true ? s.consent_mode || [] : []).forEach((signal) => {
      // security_storage is granted from the start and stays so.
      if (has(update, signal)) update[signal] = "granted";
    }),
  );
  gtag()("consent", "update", update);
}
