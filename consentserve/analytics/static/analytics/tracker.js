/* CONSENTserve first-party analytics (consentserve/analytics/README.md). Included as
   <script type="text/plain" data-consent="consentserve-analytics" data-key="KEY" src=".../tracker.js">:
   the banner runs it only after consent to that service (or to the category named instead, e.g.
   "statistics"). No cookie, no storage; the consent is checked again before every message, so a
   withdrawal stops it at once. */
(function () {
  var me = document.currentScript;
  if (!me || !window.fetch) return;
  var url = new URL("/a/" + me.getAttribute("data-key") + "/event", me.src).href;
  var armed = true;
  // A service id when the banner has that service, else a category (as the banner decides).
  var name = me.getAttribute("data-consent") || "statistics";
  function allowed() {
    var api = window.CONSENTserve;
    var c = api && api.getConsent();
    if (!c) return false;
    var s = c.services || {};
    return !!({}.hasOwnProperty.call(s, name) ? s[name] : c.categories && c.categories[name]);
  }
  function send(type) {
    if (!allowed()) return;
    var ref = "";
    try {
      ref = new URL(document.referrer).hostname;
    } catch (e) {}
    var w = screen.width;
    var body = JSON.stringify({
      type: type,
      path: location.pathname.slice(0, 1024),
      referrer: ref === location.hostname ? "" : ref,
      screen: w < 640 ? "s" : w < 1024 ? "m" : w < 1440 ? "l" : "xl",
      language: (navigator.language || "").split("-")[0].toLowerCase(),
    });
    try {
      if (!navigator.sendBeacon(url, body)) throw 0;
    } catch (e) {
      fetch(url, { method: "POST", body: body, keepalive: true }).catch(function () {});
    }
  }
  function leave() {
    if (armed) send("exit");
    armed = false;
  }
  send("pageview");
  addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
    else armed = true;
  });
})();
