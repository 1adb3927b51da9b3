// htmx settings for the portal. The Content-Security-Policy allows no inline styles and no
// eval, so htmx must not add its indicator <style> or evaluate attributes; portal pages hold
// personal data, so no copies of them go into the browser's history cache in web storage.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.historyCacheSize = 0;
// A form with errors comes back as 422 with the fragment that shows them in place.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "[45]..", swap: false, error: true },
];
