import type { StorageItem } from "./config";

export function cookieValue(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch (e) {
    // A mangled value is no decision: the banner asks again.
    return null;
  }
}

export function readCookie(name: string): string | null {
  const parts = document.cookie ? document.cookie.split("; ") : [];
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf("=");
    if (parts[i].slice(0, eq) === name) return cookieValue(parts[i].slice(eq + 1));
  }
  return null;
}

export function writeCookie(name: string, value: string, maxAgeSeconds: number): void {
  document.cookie =
    name +
    "=" +
    encodeURIComponent(value) +
    "; Path=/; Max-Age=" +
    maxAgeSeconds +
    "; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
}

function matcher(items: StorageItem[]): (name: string) => boolean {
  const res = items.map((i) =>
    i.pattern
      ? new RegExp("^" + i.name.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$")
      : null,
  );
  return (name) => items.some((item, i) => (res[i] ? res[i]!.test(name) : item.name === name));
}

// A cookie can only be removed with the domain it was set for, which the page cannot read back;
// so every candidate is tried: host-only and each parent domain. Names that a service still
// granted also declares (`keep`) stay, since that service may still rely on them.
export function deleteCookies(items: StorageItem[], keep: StorageItem[]): void {
  if (!items.length) return;
  const matches = matcher(items);
  const kept = matcher(keep);
  const labels = location.hostname.split(".");
  const domains = [""];
  for (let i = 0; i < labels.length - 1; i++) domains.push("; Domain=." + labels.slice(i).join("."));
  (document.cookie ? document.cookie.split("; ") : []).forEach((pair) => {
    const name = pair.split("=")[0];
    if (!matches(name) || kept(name)) return;
    domains.forEach((d) => {
      document.cookie = name + "=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" + d;
    });
  });
}

export function deleteStorage(items: StorageItem[], keep: StorageItem[]): void {
  if (!items.length) return;
  const matches = matcher(items);
  const kept = matcher(keep);
  try {
    // Reading `localStorage` itself throws where storage is disabled (e.g. a sandboxed frame).
    [localStorage, sessionStorage].forEach((store) => {
      for (let i = store.length - 1; i >= 0; i--) {
        const key = store.key(i);
        if (key !== null && matches(key) && !kept(key)) store.removeItem(key);
      }
    });
  } catch (e) {
    // Then there is nothing to delete.
  }
}
