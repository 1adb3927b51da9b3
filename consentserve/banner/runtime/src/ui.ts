import type { Config, StorageItem } from "./config";
import { type Choice, type Consent, everything } from "./consent";
import { esc, safeUrl, type Localiser } from "./language";

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
    "box-shadow:0 4px 24px #0000004d;font:15px/1.5 system-ui,sans-serif}" +
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
    ".o svg{display:block;fill:currentColor}"
  );
}

// Both layers are built as one piece of markup each: parsing it is much cheaper than creating
// and wiring every node from script. Every customer text and URL goes through `esc`, so it
// stays text (or one attribute value) and can never become markup.

function parse(html: string): HTMLElement {
  const holder = document.createElement("div");
  holder.innerHTML = html;
  return holder.firstChild as HTMLElement;
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
  let reopen: HTMLElement | null = null;
  let returnFocus: Element | null = null;
  let layer: 1 | 2 = 1;

  const text = (key: string) => esc(l.text(key));
  const tag = (name: string, content: string, attributes = "") => `<${name}${attributes}>${content}</${name}>`;
  // `data-a` names what the button does: the key of its label. (No `type`: in the shadow root
  // a button has no form to submit.)
  const button = (key: string) => tag("button", text(key), ` class="b" data-a="${key}"`);
  const link = (label: string, url?: string) => {
    const href = safeUrl(url);
    return tag("a", text(label), href ? ` href="${esc(href)}"` : "");
  };
  const toggle = (on: boolean, disabled: boolean, attributes: string) =>
    `<input type="checkbox" role="switch"${attributes}${on || disabled ? " checked" : ""}${disabled ? " disabled" : ""}>`;
  const switches = () => Array.from(dialog!.querySelectorAll("input"));

  function ensureHost(): void {
    if (host) return;
    host = document.createElement("div");
    host.setAttribute("data-consentserve", "");
    root = host.attachShadow({ mode: "open" });
    // A <style> element in the shadow root counts as inline style under the site's CSP
    // (style-src 'self' blocks it); a constructed stylesheet is not subject to CSP.
    const text = css(config);
    // Browsers with adoptedStyleSheets construct stylesheets as well.
    if (root.adoptedStyleSheets) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(document.createElement("style")).textContent = text;
    }
    // One listener each for all buttons and switches of both layers and the re-open button.
    root.addEventListener("click", (e) => {
      const target = (e.target as Element).closest("[data-a]");
      const action = target && target.getAttribute("data-a");
      if (action === "reopen_label") open();
      else if (action === "settings") settings();
      else if (action === "save") save();
      else if (action) choose(everything(config, action === "accept_all"), action as Action, layer);
    });
    // A category switch (its value is the category's id) sets all its services (value: the
    // service's id, name: its category's id); a service switch turns its category on when it
    // is the first one on and off when it was the last.
    root.addEventListener("change", (e) => {
      const input = e.target as HTMLInputElement;
      switches().forEach((sw) => {
        if (!input.name && sw.name === input.value) sw.checked = input.checked;
        if (input.name && !sw.name && sw.value === input.name)
          sw.checked = switches().some((o) => o.name === input.name && o.checked);
      });
    });
    document.body.appendChild(host);
  }

  function choose(choice: Choice, action: Action, layer: 1 | 2): void {
    close();
    decide(choice, action, layer);
  }

  function save(): void {
    const choice: Choice = { categories: {}, services: {} };
    switches().forEach((sw) => ((sw.name ? choice.services : choice.categories)[sw.value] = sw.checked));
    choose(choice, "custom", 2);
  }

  // Tab and Shift+Tab cycle inside the dialog; Escape is deliberately ignored, because
  // closing without a choice is not a choice.
  function trap(e: KeyboardEvent): void {
    if (e.key !== "Tab" || !dialog) return;
    const items = Array.from(dialog.querySelectorAll<HTMLElement>("a[href],button,input:not([disabled]),summary"));
    const last = items.length - 1;
    const i = items.indexOf(root.activeElement as HTMLElement);
    if (e.shiftKey ? i <= 0 : i === last || i < 0) {
      e.preventDefault();
      items[e.shiftKey ? last : 0].focus();
    }
  }

  // The dialog with the title, `body`, the choices (`first` and both "all" buttons) and the links.
  function present(n: 1 | 2, title: string, body: string, firstButton: string): void {
    const active = document.activeElement;
    if (n === 1) returnFocus = active === host ? reopen : active;
    ensureHost();
    if (dialog) dialog.remove();
    layer = n;
    const d = (dialog = parse(
      tag(
        "div",
        tag("h2", title, ' id="consentserve-title"') +
          body +
          tag("div", firstButton + button("accept_all") + button("reject_all"), ' class="r"') +
          (n === 2 && current() ? tag("p", `${text("consent_id")}: ${tag("code", esc(current()!.id))}`) : "") +
          tag("p", `${link("privacy_label", l.text("privacy_url"))} · ${link("imprint_label", l.text("imprint_url"))}`),
        ' class="d" role="dialog" aria-modal="true" aria-labelledby="consentserve-title" tabindex="-1"',
      ),
    ));
    d.addEventListener("keydown", trap);
    root.appendChild(d);
    // No button is preselected: focus lands on the dialog itself, with its first frame: focusing
    // at once would force style and layout of the whole page, during start-up all inside the
    // banner's own task (a long task on a slow device), while the frame computes them anyway.
    if (!preview) requestAnimationFrame(() => dialog === d && d.focus({ preventScroll: true }));
  }

  function open(): void {
    present(
      1,
      text("title"),
      tag("p", text("body")) +
        tag("ul", config.categories.map((c) => tag("li", esc(l.loc(c.label)))).join("")) +
        // The number of services matters only when there are any (a site may use none).
        (config.services.length
          ? tag("p", esc(l.text("services_count").replace("{n}", String(config.services.length))))
          : ""),
      button("settings"),
    );
  }

  const items = (list: StorageItem[] | undefined) =>
    (list || [])
      .map((i) => {
        const lifetime = l.loc(i.lifetime);
        return tag("li", esc(lifetime ? `${i.name} – ${lifetime}` : i.name));
      })
      .join("");

  // The second layer is only built when asked for, which keeps the first paint small.
  function settings(): void {
    const chosen = current();
    const on = (kind: "categories" | "services", id: string) => !!chosen && chosen[kind][id] === true;
    const body = config.categories
      .map((c) => {
        const required = !!c.required;
        return (
          tag("h3", tag("label", toggle(on("categories", c.id), required, ` value="${esc(c.id)}"`) + esc(l.loc(c.label)))) +
          tag("p", esc(l.loc(c.description))) +
          config.services
            .filter((s) => s.category === c.id)
            .map((s) => {
              const add = (term: string, value: string) => (value ? tag("dt", text(term)) + tag("dd", value) : "");
              const cookies = items(s.cookies) + items(s.storage);
              const privacy = safeUrl(s.privacy_url) ? tag("dd", link("privacy_label", s.privacy_url)) : "";
              return tag(
                "div",
                toggle(
                  on("services", s.id),
                  required,
                  ` aria-label="${esc(s.name)}" name="${esc(c.id)}" value="${esc(s.id)}"`,
                ) +
                  tag(
                    "details",
                    tag("summary", esc(s.name)) +
                      tag(
                        "dl",
                        add("provider", esc(l.loc(s.provider))) +
                          add("purpose", esc(l.loc(s.purpose))) +
                          add("cookies", cookies && tag("ul", cookies)) +
                          add("transfer", esc(l.loc(s.transfer))) +
                          privacy,
                      ),
                  ),
                ' class="s"',
              );
            })
            .join("")
        );
      })
      .join("");
    present(2, text("settings"), body, button("save"));
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
    const label = text("reopen_label");
    reopen = root.appendChild(
      parse(
        tag(
          "button",
          '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5z"/></svg>',
          ` class="o" data-a="reopen_label" aria-label="${label}" title="${label}"`,
        ),
      ),
    );
  }

  return { open, settings, showReopen };
}
