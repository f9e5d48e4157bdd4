// Shows why the last sign-in failed (the server redirects here with ?error=...).
(function () {
  var params = new URLSearchParams(location.search);
  var box = document.getElementById("problem");
  var error = params.get("error");
  if (!error) return;
  box.textContent = error === "locked"
    ? "Too many attempts. Please wait " + (params.get("wait") || "a few") + " seconds and try again."
    : "That name and password don't match. Please try again.";
  box.hidden = false;
})();
