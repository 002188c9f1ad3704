/* Starts Swagger UI on /docs (see project/docs.py and templates/swagger_ui.html).
 *
 * A same-origin file rather than an inline script, so the page's
 * Content-Security-Policy allows scripts from this origin only. The settings
 * come from the container's data attributes, written by the template.
 */
(function () {
  "use strict";

  /* The padlock of an operation is closed exactly when "Try it out" will send
   * your token.
   *
   * An operation where the token is optional is documented as
   * `security: [{bearerAuth: []}, {}]`: the empty requirement says "no token
   * is fine too". Swagger UI's `authSelectors.isAuthorized` counts that empty
   * requirement as met, so such an operation showed a closed padlock before
   * anyone authorized (and no token was sent), while an operation that needs a
   * token showed an open one. Judged on its non-empty requirements only, an
   * operation is "authorized" when a token is set for one of them, which is
   * when the request carries it. Operations with no requirement at all show no
   * padlock (Swagger UI's own rule), whatever this returns.
   */
  function PadlocksMeanTokensSent() {
    return {
      statePlugins: {
        auth: {
          wrapSelectors: {
            isAuthorized: function (isAuthorized) {
              return function (state, requirements) {
                if (!requirements || typeof requirements.filter !== "function") {
                  return isAuthorized(requirements);
                }
                var needingCredentials = requirements.filter(function (requirement) {
                  return requirement && !requirement.isEmpty();
                });
                return needingCredentials.size > 0 && isAuthorized(needingCredentials);
              };
            },
          },
        },
      },
    };
  }

  var container = document.getElementById("swagger-ui-container");
  var config = Object.assign(
    { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" },
    JSON.parse(container.dataset.config || "{}")
  );
  config.plugins = [PadlocksMeanTokensSent];
  window.ui = window.SwaggerUIBundle(config);
})();
