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

export function consentDefault(): void {
  const g = gtag();
  g("consent", "default", {
    ad_storage: "denied",
    analytics_storage: "denied",
    ad_user_data: "denied",
    ad_personalization: "denied",
    functionality_storage: "denied",
    personalization_storage: "denied",
    security_storage: "granted",
    wait_for_update: 500,
  });
  g("set", "ads_data_redaction", true);
  g("set", "url_passthrough", false);
}

export function consentUpdate(categories: Record<string, boolean>): void {
  const update: Record<string, string> = {};
  Object.keys(SIGNALS).forEach((cat) =>
    SIGNALS[cat].forEach((signal) => (update[signal] = categories[cat] ? "granted" : "denied")),
  );
  gtag()("consent", "update", update);
}
