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
  // Set while the collector has not acknowledged the decision: what its record needs beyond
  // the decision itself, so that the next page view can send it again: action, layer, the
  // browser's GPC signal ("1" or "0"), language, path.
  pending?: string[];
}

// What the visitor picked: services where a category has them, the category itself where not.
export interface Choice {
  categories: Record<string, boolean>;
  services: Record<string, boolean>;
}

export const COOKIE = "consentserve_consent";
const FORMAT = "2";

// 128 random bits, base64url, so the id is unguessable yet short enough for a cookie.
export function newId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  // 16 bytes are 24 base64 characters, the last two padding.
  return btoa(String.fromCharCode.apply(null, bytes as unknown as number[]))
    .slice(0, 22)
    .replace(/[+/]/g, (c) => (c === "+" ? "-" : "_"));
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

export const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function everything(config: Config, value: boolean): Choice {
  const choice: Choice = { categories: {}, services: {} };
  config.categories.forEach((c) => (choice.categories[c.id] = value));
  config.services.forEach((s) => (choice.services[s.id] = value));
  return choice;
}

// Services of a required category are always on; a category with services is granted when
// at least one of them is; a category without services keeps its own switch.
export function normalise(config: Config, choice: Choice): Choice {
  const required: Record<string, boolean> = {};
  config.categories.forEach((c) => (required[c.id] = !!c.required));
  const services: Record<string, boolean> = {};
  const any: Record<string, boolean> = {};
  config.services.forEach((s) => {
    // "=== true", not truthiness: an id such as "constructor" must not find Object's own members.
    const on = required[s.category] === true || choice.services[s.id] === true;
    services[s.id] = on;
    any[s.category] = any[s.category] || on;
  });
  const categories: Record<string, boolean> = {};
  config.categories.forEach(
    (c) => (categories[c.id] = required[c.id] || (has(any, c.id) ? any[c.id] : choice.categories[c.id] === true)),
  );
  return { categories, services };
}

export function makeConsent(config: Config, choice: Choice, id: string, gpc: boolean, time: number): Consent {
  const n = normalise(config, choice);
  return {
    id,
    version: config.version,
    sha: (config.sha256 || "").slice(0, 8),
    fingerprint: fingerprint(config),
    categories: n.categories,
    services: n.services,
    time,
    gpc,
  };
}

// Compact text form, version 2:
// 2|id|version|sha|fingerprint|time (base36 ms)|gpc|categories|services, where the last two
// list, joined by "+", only what decoding cannot derive: granted services outside required
// categories, and granted categories that have no services and are not required.
// While the decision is not acknowledged, |action|layer|gpc signal|language|path follow; the
// path comes last, so a "|" in it needs no escaping.
export function encode(c: Consent, config: Config): string {
  const required = (id: string) => config.categories.some((cat) => cat.id === id && cat.required);
  const categories = config.categories.filter(
    (cat) => c.categories[cat.id] && !cat.required && !config.services.some((s) => s.category === cat.id),
  );
  const services = config.services.filter((s) => c.services[s.id] && !required(s.category));
  return [
    FORMAT,
    c.id,
    c.version,
    c.sha,
    c.fingerprint,
    c.time.toString(36),
    c.gpc ? 1 : 0,
    categories.map((cat) => cat.id).join("+"),
    services.map((s) => s.id).join("+"),
  ]
    .concat(c.pending || [])
    .join("|");
}

export function decode(value: string, config: Config): Consent | null {
  const f = value.split("|");
  if (f[0] !== FORMAT || (f.length !== 9 && f.length < 14) || !/^[\w-]{22}$/.test(f[1]) || !/^[0-9a-z]+$/.test(f[5]))
    return null;
  const set = (field: string) => {
    const map: Record<string, boolean> = {};
    if (field) field.split("+").forEach((k) => (map[k] = true));
    return map;
  };
  const n = normalise(config, { categories: set(f[7]), services: set(f[8]) });
  return {
    id: f[1],
    version: +f[2],
    sha: f[3],
    fingerprint: f[4],
    categories: n.categories,
    services: n.services,
    time: parseInt(f[5], 36),
    gpc: f[6] === "1",
    pending: f[9] ? f.slice(9, 13).concat(f.slice(13).join("|")) : undefined,
  };
}

// A stored decision still holds when it covers the same purposes and services and is within its lifetime.
export function stillValid(c: Consent, config: Config): boolean {
  const age = Date.now() - c.time;
  return (
    c.fingerprint === fingerprint(config) && age >= 0 && age < config.lifetime_days * 86400000
  );
}
