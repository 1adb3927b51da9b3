import type { Config } from "./config";

// The visitor's decision as kept in the one first-party cookie and handed to the page.
export interface Consent {
  id: string;
  version: number;
  sha: string;
  fingerprint: string;
  categories: Record<string, boolean>;
  services: Record<string, boolean>;
  time: number;
  gpc: boolean;
}

export const COOKIE = "consentserve_consent";

// 128 random bits, base64url, so the id is unguessable yet short enough for a cookie.
export function newId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode.apply(null, Array.from(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

// A change of purposes or services must ask again, a change of wording alone need not:
// the fingerprint covers category ids and which service belongs to which category.
export function fingerprint(config: Config): string {
  const parts = config.categories.map((c) => c.id).sort();
  config.services.forEach((s) => parts.push(s.id + "@" + s.category));
  let h = 0x811c9dc5;
  const s = parts.sort().join("|");
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

export function servicesFor(config: Config, categories: Record<string, boolean>) {
  const services: Record<string, boolean> = {};
  config.services.forEach((s) => (services[s.id] = !!categories[s.category]));
  return services;
}

export function makeConsent(
  config: Config,
  categories: Record<string, boolean>,
  id: string,
  gpc: boolean,
): Consent {
  const cats: Record<string, boolean> = {};
  config.categories.forEach((c) => (cats[c.id] = !!c.required || !!categories[c.id]));
  return {
    id,
    version: config.version,
    sha: (config.sha256 || "").slice(0, 8),
    fingerprint: fingerprint(config),
    categories: cats,
    services: servicesFor(config, cats),
    time: Date.now(),
    gpc,
  };
}

// Compact text form: 1|id|version|sha|fingerprint|time(base36 seconds)|gpc|granted+categories.
export function encode(c: Consent): string {
  const granted = Object.keys(c.categories)
    .filter((k) => c.categories[k])
    .map(encodeURIComponent);
  return [
    1,
    c.id,
    c.version,
    c.sha,
    c.fingerprint,
    Math.floor(c.time / 1000).toString(36),
    c.gpc ? 1 : 0,
    granted.join("+"),
  ].join("|");
}

export function decode(value: string, config: Config): Consent | null {
  const f = value.split("|");
  if (f[0] !== "1" || f.length !== 8 || !/^[\w-]{22}$/.test(f[1])) return null;
  const granted = f[7] ? f[7].split("+").map(decodeURIComponent) : [];
  const categories: Record<string, boolean> = {};
  config.categories.forEach((c) => (categories[c.id] = !!c.required || granted.indexOf(c.id) >= 0));
  return {
    id: f[1],
    version: +f[2],
    sha: f[3],
    fingerprint: f[4],
    categories,
    services: servicesFor(config, categories),
    time: parseInt(f[5], 36) * 1000,
    gpc: f[6] === "1",
  };
}

// A stored decision still holds when it covers the same purposes and services and is within its lifetime.
export function stillValid(c: Consent, config: Config): boolean {
  const age = Date.now() - c.time;
  return (
    c.fingerprint === fingerprint(config) && age >= 0 && age < config.lifetime_days * 86400000
  );
}
