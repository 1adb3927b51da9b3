import type { Config } from "./config";
import { esc, safeUrl, type Localiser } from "./language";

const DONE = "data-consentserve-done";

export type Granted = (id: string) => boolean;

// Blocked scripts become real ones only once their service is consented. An inserted inline
// script runs at once while an external one waits for the network, so each external script
// is awaited before the next is inserted: that keeps the page's document order.
export function activateScripts(granted: Granted): void {
  const blocked = document.querySelectorAll<HTMLScriptElement>(
    'script[type="text/plain"][data-consent]:not([' + DONE + "])",
  );
  const queue = Array.from(blocked).filter((old) => {
    if (!granted(old.getAttribute("data-consent") || "")) return false;
    old.setAttribute(DONE, "");
    return true;
  });
  const next = (): void => {
    const old = queue.shift();
    if (!old) return;
    const script = document.createElement("script");
    Array.from(old.attributes).forEach((a) => {
      if (a.name !== "type" && a.name !== DONE) script.setAttribute(a.name, a.value);
    });
    const type = old.getAttribute("data-type");
    if (type) script.type = type;
    if (script.src) {
      script.async = false;
      script.onload = script.onerror = next;
    } else {
      script.text = old.text;
    }
    old.parentNode!.replaceChild(script, old);
    if (!script.src) next();
  };
  next();
}

function loadFrame(frame: HTMLIFrameElement): void {
  const src = safeUrl(frame.getAttribute("data-src") || "");
  frame.setAttribute(DONE, "");
  if (src) frame.src = src;
  frame.hidden = false;
  const holder = frame.previousElementSibling;
  if (holder && holder.hasAttribute("data-consentserve-placeholder")) holder.remove();
}

const PLACEHOLDER_CSS =
  ":host{display:block;box-sizing:border-box;padding:1rem;border:1px solid #9aa5b1;" +
  "background:#f5f7fa;color:#1f2933;font:14px/1.4 system-ui,sans-serif}" +
  "button{margin-top:.5rem;font:inherit;padding:.4rem .8rem;cursor:pointer}";

// Embeds wait behind a placeholder that names who would receive the visitor's data;
// one click loads this one embed without recording a consent.
export function handleFrames(config: Config, l: Localiser, granted: Granted): void {
  const frames = document.querySelectorAll<HTMLIFrameElement>(
    "iframe[data-consent][data-src]:not([" + DONE + "])",
  );
  frames.forEach((frame) => {
    const id = frame.getAttribute("data-consent") || "";
    if (granted(id)) return loadFrame(frame);
    const prev = frame.previousElementSibling;
    if (prev && prev.hasAttribute("data-consentserve-placeholder")) return;
    const service = config.services.filter((s) => s.id === id)[0];
    const holder = document.createElement("div");
    holder.setAttribute("data-consentserve-placeholder", id);
    const root = holder.attachShadow({ mode: "open" });
    root.innerHTML =
      "<style>" +
      PLACEHOLDER_CSS +
      "</style><p>" +
      esc(
        l
          .text("blocked")
          .replace("{name}", service ? service.name : id)
          .replace("{provider}", service ? l.loc(service.provider) : ""),
      ) +
      '</p><button type="button">' +
      esc(l.text("load")) +
      "</button>";
    root.lastChild!.addEventListener("click", () => loadFrame(frame));
    frame.hidden = true;
    frame.parentNode!.insertBefore(holder, frame);
  });
}
