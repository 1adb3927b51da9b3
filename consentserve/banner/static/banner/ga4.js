/* Google Analytics 4 for a CONSENTserve banner (consentserve/banner/gtag.py). The loader puts this
   script into the page blocked, as <script type="text/plain" data-consent="SERVICE"
   data-measurement-id="G-…">, so the banner runs it only once the visitor consents to SERVICE:
   nothing is requested from Google before (basic Consent Mode). The banner has already put
   Consent Mode's defaults and the visitor's update into the dataLayer, so Google's tag reads
   them before this configuration. */
(function () {
  var me = document.currentScript;
  var id = me && me.getAttribute("data-measurement-id");
  var service = me && me.getAttribute("data-consent");
  var api = window.CONSENTserve;
  if (!id || !/^G-[A-Z0-9]{4,20}$/.test(id) || !api) return;
  var off = "ga-disable-" + id;
  window.dataLayer = window.dataLayer || [];
  function gtag() {
    window.dataLayer.push(arguments);
  }
  window[off] = false;
  gtag("js", new Date());
  gtag("config", id, {
    // 13 months instead of Google's 2 years, as the policy and the banner say (R-C2-3).
    cookie_expires: 34214400,
    allow_google_signals: false,
    allow_ad_personalization_signals: false,
  });
  // After a withdrawal the tag is still in the page: Google's own switch keeps it from sending
  // anything more until the visitor consents again (R-C2-5); the next page does not load it.
  api.on("change", function (c) {
    window[off] = !(c && c.services[service] === true);
  });
  var tag = document.createElement("script");
  tag.async = true;
  tag.src = "https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(id);
  document.head.appendChild(tag);
})();
