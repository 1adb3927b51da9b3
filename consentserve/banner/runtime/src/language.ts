import type { Config, Localised } from "./config";

// Labels the designer does not offer yet; the configuration's texts override them.
const BUILT_IN: Record<string, Record<string, string>> = {
  de: {
    provider: "Anbieter",
    purpose: "Zweck",
    cookies: "Cookies und Speicher",
    transfer: "Übermittlung",
    load: "Einmal laden",
    blocked: "Blockierter Inhalt von {name} ({provider})",
    consent_id: "Ihre Einwilligungs-ID",
  },
  en: {
    provider: "Provider",
    purpose: "Purpose",
    cookies: "Cookies and storage",
    transfer: "Transfer",
    load: "Load once",
    blocked: "Blocked content from {name} ({provider})",
    consent_id: "Your consent ID",
  },
};

// The page's own language decides, so the banner speaks like the page around it.
export function pickLanguage(config: Config): string {
  const primary = (document.documentElement.lang || "").split("-")[0].toLowerCase();
  return config.languages.indexOf(primary) >= 0 && config.texts[primary]
    ? primary
    : config.default_language;
}

export type Localiser = ReturnType<typeof localiser>;

export function localiser(config: Config, lang: string) {
  const fallback = config.default_language;
  // A plain string is the same in every language (a provider the customer typed in).
  const loc = (value?: Localised | string): string =>
    typeof value === "string" ? value : (value && (value[lang] || value[fallback])) || "";
  const text = (key: string): string =>
    (config.texts[lang] || {})[key] ||
    (config.texts[fallback] || {})[key] ||
    (BUILT_IN[lang] || BUILT_IN.en)[key] ||
    "";
  return { lang, loc, text };
}

// Links from customer texts may only lead to web pages; anything else (javascript:, data:) is dropped.
export function safeUrl(url?: string): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch (e) {
    return null;
  }
}

// Customer texts inside markup: escaped, so they stay text or one quoted attribute value.
export const esc = (text: string) => text.replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
