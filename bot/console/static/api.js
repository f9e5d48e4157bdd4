// The console pages' one way to call the console's API: JSON in and out, the CSRF token on every
// change, and the sign-in page when the session has ended. Each page makes its own caller with a
// function that gives the current CSRF token.
window.consoleApi = function (csrfToken) {
  "use strict";
  return function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = csrfToken() || "";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch("/console/api" + path, options).then(function (res) {
      if (res.status === 401) { location.href = "/console/sign-in"; throw new Error("signed out"); }
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data.error || ("error " + res.status));
        return data;
      });
    });
  };
};
