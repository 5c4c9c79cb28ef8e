// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A second tap on a slow network must not send the form twice: disable its buttons once sent
  // (the server is idempotent anyway; this spares the person the wait and the doubt).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      b.setAttribute("aria-disabled", "true");
      if (b.dataset.sending) { b.textContent = b.dataset.sending; }
      // Disabled after the submit event, so the button's own name/value still goes with it.
      setTimeout(function (button) { button.disabled = true; }, 0, b);
    }
  });
  // The enterprise picker: typing in the search box narrows the list.
  var search = document.getElementById("enterprise-search");
  var select = document.getElementById("enterprise");
  if (search && select) {
    search.hidden = false;
    var label = document.querySelector("label[for=enterprise-search]");
    if (label) { label.hidden = false; }
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var first = null;
      for (var i = 0; i < select.options.length; i++) {
        var o = select.options[i];
        if (!o.value) { continue; }
        var show = !q || o.text.toLowerCase().indexOf(q) !== -1;
        o.hidden = !show;
        if (show && !first) { first = o; }
      }
      if (first && select.selectedOptions.length && select.selectedOptions[0].hidden) {
        first.selected = true;
      }
    });
  }
})();
