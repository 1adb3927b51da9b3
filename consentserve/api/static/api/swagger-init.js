// Starts Swagger UI on the API's docs page (consentserve/api/docs.py) with the settings the
// page carries as JSON; no inline script (CSP).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  SwaggerUIBundle(settings);
})();
