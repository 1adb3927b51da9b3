import type { Config, StorageItem } from "./config";
import { type Choice, type Consent, everything } from "./consent";
import { safeUrl, type Localiser } from "./language";

export type Action = "accept_all" | "reject_all" | "custom";
export type Decide = (choice: Choice, action: Action, layer: 1 | 2) => void;

// Theme values end up inside CSS, so only plain colours and numbers are accepted.
function colour(value: string | undefined, fallback: string): string {
  return value && /^#[0-9a-f]{3,8}$/i.test(value) ? value : fallback;
}

function css(config: Config): string {
  const t = config.theme || {};
  const bg = colour(t.background, "#ffffff");
  const fg = colour(t.text, "#1f2933");
  const acc = colour(t.accent, "#0f766e");
  const acct = colour(t.accent_text, "#ffffff");
  const r = Math.max(0, Math.min(32, Number(t.radius) || 0)) + "px";
  const place =
    t.position === "top"
      ? "top:1rem"
      : t.position === "center"
        ? "top:50%;transform:translate(-50%,-50%)"
        : "bottom:1rem";
  return (
    ":host{all:initial}" +
    `.d{position:fixed;z-index:2147483647;left:50%;transform:translateX(-50%);${place};` +
    "box-sizing:border-box;width:calc(100% - 2rem);max-width:42rem;max-height:calc(100vh - 2rem);" +
    `overflow:auto;padding:1.25rem;background:${bg};color:${fg};border-radius:${r};` +
    "box-shadow:0 4px 24px rgba(0,0,0,.3);font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    "h2{margin:0 0 .5rem;font-size:1.2rem}h3{margin:.75rem 0 .25rem;font-size:1rem}" +
    "p,ul,dl{margin:0 0 .6rem}ul{padding-left:1.25rem}dt{font-weight:600}dd{margin:0 0 .3rem}" +
    // A grid with equal columns and rows keeps the three choices exactly the same size.
    ".r{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));grid-auto-rows:1fr;gap:.5rem;margin:.75rem 0}" +
    `.b{min-height:2.75rem;padding:.6rem 1rem;border:2px solid ${acc};border-radius:${r};` +
    `background:${acc};color:${acct};font:inherit;font-weight:600;cursor:pointer}` +
    "a{color:inherit}" +
    `:focus-visible{outline:3px solid ${fg};outline-offset:2px}` +
    "label{display:flex;gap:.5rem;align-items:center;font-weight:600}" +
    `input{width:1.1rem;height:1.1rem;margin:0;accent-color:${acc}}` +
    ".s{display:flex;gap:.5rem;margin:.25rem 0 .25rem 1.6rem}.s input{margin-top:.2rem}" +
    "details{flex:1}summary{cursor:pointer}" +
    "code{user-select:all;word-break:break-all}" +
    `.o{position:fixed;z-index:2147483646;left:1rem;bottom:1rem;width:2.75rem;height:2.75rem;padding:.6rem;` +
    `border:0;border-radius:50%;background:${acc};color:${acct};cursor:pointer}` +
    ".o svg{display:block;width:100%;height:100%;fill:currentColor}"
  );
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  // Every customer text goes in as text, never as markup.
  if (text) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function link(label: string, url?: string): HTMLAnchorElement {
  const a = el("a", label);
  const href = safeUrl(url);
  if (href) a.href = href;
  return a;
}

// `preview`: the portal's live preview, where the banner must not take focus from the editor.
export function createUi(
  config: Config,
  l: Localiser,
  current: () => Consent | null,
  decide: Decide,
  preview: boolean,
) {
  let host: HTMLElement | null = null;
  let root: ShadowRoot;
  let dialog: HTMLElement | null = null;
  let reopen: HTMLButtonElement | null = null;
  let returnFocus: Element | null = null;

  function ensureHost(): void {
    if (host) return;
    host = el("div");
    host.setAttribute("data-consentserve", "");
    root = host.attachShadow({ mode: "open" });
    // A <style> element in the shadow root counts as inline style under the site's CSP
    // (style-src 'self' blocks it); a constructed stylesheet is not subject to CSP.
    const text = css(config);
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", text));
    }
    document.body.appendChild(host);
  }

  function button(label: string, onClick: () => void): HTMLButtonElement {
    const b = el("button", label, "b");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function choose(choice: Choice, action: Action, layer: 1 | 2): void {
    close();
    decide(choice, action, layer);
  }

  function buttons(layer: 1 | 2, first?: HTMLButtonElement): HTMLElement {
    const row = el("div", "", "r");
    if (first) row.appendChild(first);
    row.append(
      button(l.text("accept_all"), () => choose(everything(config, true), "accept_all", layer)),
      button(l.text("reject_all"), () => choose(everything(config, false), "reject_all", layer)),
    );
    return row;
  }

  function links(): HTMLElement {
    const p = el("p");
    p.append(link(l.text("privacy_label"), l.text("privacy_url")), " · ", link(l.text("imprint_label"), l.text("imprint_url")));
    return p;
  }

  // Tab and Shift+Tab cycle inside the dialog; Escape is deliberately ignored, because
  // closing without a choice is not a choice.
  function trap(e: KeyboardEvent): void {
    if (e.key !== "Tab" || !dialog) return;
    const items = Array.prototype.slice.call(
      dialog.querySelectorAll("a[href],button,input:not([disabled]),summary"),
    ) as HTMLElement[];
    const i = items.indexOf(root.activeElement as HTMLElement);
    const next = e.shiftKey ? (i <= 0 ? items.length - 1 : -1) : i === items.length - 1 || i < 0 ? 0 : -1;
    if (next >= 0) {
      e.preventDefault();
      items[next].focus();
    }
  }

  function frame(): HTMLElement {
    ensureHost();
    if (dialog) dialog.remove();
    dialog = el("div", "", "d");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "consentserve-title");
    dialog.tabIndex = -1;
    dialog.addEventListener("keydown", trap);
    return dialog;
  }

  function title(text: string): HTMLElement {
    const h = el("h2", text);
    h.id = "consentserve-title";
    return h;
  }

  function present(d: HTMLElement): void {
    root.appendChild(d);
    // No button is preselected: focus lands on the dialog itself.
    if (!preview) d.focus();
  }

  function open(): void {
    const active = document.activeElement;
    returnFocus = active === host ? reopen : active;
    const d = frame();
    const purposes = el("ul");
    config.categories.forEach((c) => purposes.appendChild(el("li", l.loc(c.label))));
    d.append(
      title(l.text("title")),
      el("p", l.text("body")),
      purposes,
      // The number of services matters only when there are any (a site may use none).
      ...(config.services.length
        ? [el("p", l.text("services_count").replace("{n}", String(config.services.length)))]
        : []),
      buttons(1, button(l.text("settings"), settings)),
      links(),
    );
    present(d);
  }

  function items(list: StorageItem[] | undefined, into: HTMLElement): void {
    (list || []).forEach((i) => {
      const lifetime = l.loc(i.lifetime);
      into.appendChild(el("li", i.name + (lifetime ? " – " + lifetime : "")));
    });
  }

  function toggle(label: string, on: boolean, disabled: boolean): HTMLInputElement {
    const input = el("input");
    input.type = "checkbox";
    input.setAttribute("role", "switch");
    input.checked = on || disabled;
    input.disabled = disabled;
    if (label) input.setAttribute("aria-label", label);
    return input;
  }

  // The second layer is only built when asked for, which keeps the first paint small.
  // A category switch sets all its services; a service switch turns its category on when
  // it is the first one on and off when it was the last.
  function settings(): void {
    const d = frame();
    d.appendChild(title(l.text("settings")));
    const chosen = current();
    const switches: Record<string, HTMLInputElement> = {};
    const serviceSwitches: Record<string, HTMLInputElement> = {};
    config.categories.forEach((c) => {
      const label = el("label");
      const input = toggle("", !!(chosen && chosen.categories[c.id] === true), !!c.required);
      switches[c.id] = input;
      label.append(input, l.loc(c.label));
      const heading = el("h3");
      heading.appendChild(label);
      d.append(heading, el("p", l.loc(c.description)));
      const own: HTMLInputElement[] = [];
      input.addEventListener("change", () => own.forEach((sw) => (sw.checked = input.checked)));
      config.services
        .filter((s) => s.category === c.id)
        .forEach((s) => {
          const row = el("div", "", "s");
          const sw = toggle(s.name, !!(chosen && chosen.services[s.id] === true), !!c.required);
          sw.addEventListener("change", () => (input.checked = own.some((o) => o.checked)));
          own.push((serviceSwitches[s.id] = sw));
          const details = el("details");
          const dl = el("dl");
          const add = (term: string, value: string | Node) => {
            if (!value) return;
            const dd = el("dd");
            dd.append(value);
            dl.append(el("dt", term), dd);
          };
          add(l.text("provider"), s.provider || "");
          add(l.text("purpose"), l.loc(s.purpose));
          const list = el("ul");
          items(s.cookies, list);
          items(s.storage, list);
          if (list.firstChild) add(l.text("cookies"), list);
          add(l.text("transfer"), l.loc(s.transfer));
          if (safeUrl(s.privacy_url)) dl.appendChild(el("dd")).appendChild(link(l.text("privacy_label"), s.privacy_url));
          details.append(el("summary", s.name), dl);
          row.append(sw, details);
          d.appendChild(row);
        });
    });
    const save = button(l.text("save"), () => {
      const choice: Choice = { categories: {}, services: {} };
      Object.keys(switches).forEach((id) => (choice.categories[id] = switches[id].checked));
      Object.keys(serviceSwitches).forEach((id) => (choice.services[id] = serviceSwitches[id].checked));
      choose(choice, "custom", 2);
    });
    d.append(buttons(2, save));
    // Visitors need their consent ID to look up or withdraw their record later.
    if (chosen) {
      const p = el("p", l.text("consent_id") + ": ");
      p.appendChild(el("code", chosen.id));
      d.appendChild(p);
    }
    d.appendChild(links());
    present(d);
  }

  function close(): void {
    if (dialog) dialog.remove();
    dialog = null;
    showReopen();
    if (returnFocus && (returnFocus as HTMLElement).focus && returnFocus.isConnected) {
      (returnFocus as HTMLElement).focus();
    }
  }

  function showReopen(): void {
    if (reopen || !config.options.reopen_button) return;
    ensureHost();
    reopen = el("button", "", "o");
    reopen.type = "button";
    reopen.setAttribute("aria-label", l.text("reopen_label"));
    reopen.title = l.text("reopen_label");
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5z");
    svg.appendChild(path);
    reopen.appendChild(svg);
    reopen.addEventListener("click", open);
    root.appendChild(reopen);
  }

  return { open, settings, showReopen };
}
