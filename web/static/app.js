// Bulwark UI: small progressive enhancements. Every page works without
// this file; it only collapses the navigation on phones, adds copy
// buttons, shows the progress of uploads, opens the triage form as a
// dialog and ticks every finding of a page at once. Loaded from our own
// origin, so the CSP needs no inline script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = document.body.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && document.body.classList.contains("nav-open")) {
          document.body.classList.remove("nav-open");
          toggle.setAttribute("aria-expanded", "false");
          toggle.focus();
        }
      });
    }

    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var field = document.getElementById(btn.getAttribute("data-copy"));
        if (!field) return;
        var done = function () {
          btn.textContent = "Copied";
          setTimeout(function () { btn.textContent = "Copy"; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () {
            field.select();
          });
        } else {
          field.select();
          try { if (document.execCommand("copy")) done(); } catch (e) { /* selection stays for manual copy */ }
        }
      });
    });

    document.querySelectorAll("input.secret").forEach(function (f) {
      f.addEventListener("focus", function () { f.select(); });
    });

    document.querySelectorAll("form[data-upload]").forEach(enhanceUpload);
    document.querySelectorAll("dialog.dialog").forEach(enhanceDialog);
    document.querySelectorAll("input[data-select-all]").forEach(enhanceSelectAll);
  });

  // enhanceDialog turns a form rendered as a section of the page into a
  // modal dialog, opened by the links that point at it (href="#…" with
  // data-dialog naming the dialog). A dialog whose form came back with an
  // error opens at once; so does one the address points at.
  function enhanceDialog(dialog) {
    if (typeof dialog.showModal !== "function") {
      dialog.classList.add("dialog-static");
      return;
    }
    var opener = null;
    function open(from) {
      opener = from || null;
      if (!dialog.open) dialog.showModal();
      var focus = dialog.querySelector("[aria-invalid='true']") || dialog.querySelector("select, input:not([type=hidden]), textarea");
      if (focus) focus.focus();
    }
    document.querySelectorAll('[data-dialog="' + dialog.id + '"]').forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        open(a);
      });
    });
    dialog.querySelectorAll("[data-dialog-close]").forEach(function (b) {
      b.addEventListener("click", function () { dialog.close(); });
    });
    dialog.addEventListener("close", function () {
      if (opener) opener.focus();
    });
    var section = dialog.querySelector("[id]");
    if (dialog.hasAttribute("data-open") || (section && window.location.hash === "#" + section.id)) open(null);
  }

  // enhanceSelectAll ticks or clears every checkbox of the form it names.
  function enhanceSelectAll(box) {
    var name = box.getAttribute("data-select-all");
    function boxes() {
      return Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][form="' + name + '"]'));
    }
    function sync() {
      var all = boxes();
      var ticked = all.filter(function (b) { return b.checked; }).length;
      box.checked = all.length > 0 && ticked === all.length;
      box.indeterminate = ticked > 0 && ticked < all.length;
    }
    box.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = box.checked; });
    });
    boxes().forEach(function (b) { b.addEventListener("change", sync); });
    sync();
  }

  function megabytes(n) {
    return n < 1048576 ? Math.max(1, Math.round(n / 1024)) + " KiB" : (n / 1048576).toFixed(1) + " MiB";
  }

  // enhanceUpload sends an upload form with XMLHttpRequest to show a
  // progress bar. The server answers as it answers the plain form. For an
  // SBOM: a redirect to the release with the result, which is then opened,
  // or the release page with the error next to the file field, whose
  // upload panel replaces this one; nothing else of the page changes. For
  // a form marked data-upload="page" (advisories): the answer is a page,
  // the result or the form with its error, whose content replaces this
  // page's.
  function enhanceUpload(form) {
    if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
    var box = form.querySelector(".upload-progress");
    var input = form.querySelector('input[type="file"]');
    var button = form.querySelector('button[type="submit"]');
    if (!box || !input || !button) return; // nothing to upload here
    var bar = box.querySelector("progress");
    var status = box.querySelector(".upload-status");
    var max = parseInt(form.getAttribute("data-max"), 10) || 0;
    var noun = form.getAttribute("data-noun") || "SBOM";
    var processing = form.getAttribute("data-processing") ||
      "Uploaded. Processing: Bulwark is checking the document and storing its components\u2026";
    var errID = input.id + "-err";
    var asPage = form.getAttribute("data-upload") === "page";

    function setState(state, text) {
      form.setAttribute("data-state", state);
      form.classList.toggle("upload-busy", state === "uploading" || state === "processing" || state === "done");
      box.hidden = state === "idle";
      if (text !== undefined) status.textContent = text;
    }

    function fail(message) {
      setState("idle", "");
      var field = input.closest(".field");
      var err = document.getElementById(errID);
      if (!err) {
        err = document.createElement("p");
        err.className = "field-error";
        err.id = errID;
        err.setAttribute("role", "alert");
        field.appendChild(err);
      }
      err.textContent = message;
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(errID) < 0) described.push(errID);
      input.setAttribute("aria-describedby", described.join(" ").trim());
      input.focus();
    }

    // showAnswer puts the server's refusal where the plain form would
    // show it: the upload panel of the page it answered with, or the
    // message of its error page.
    function showAnswer(xhr) {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      if (asPage && showPage(doc)) return;
      var panel = doc.getElementById("sbom-upload");
      var here = document.getElementById("sbom-upload");
      if (panel && here && panel.querySelector(".field-error, .notice-error")) {
        here.replaceWith(document.importNode(panel, true));
        var fresh = document.getElementById("sbom-upload");
        var f = fresh.querySelector("form[data-upload]");
        if (f) enhanceUpload(f);
        var focus = fresh.querySelector("[aria-invalid='true'], input[type='file']");
        if (focus) focus.focus();
        return;
      }
      var msg = doc.querySelector(".error-message, main .notice-error");
      fail(msg && msg.textContent.trim() ? msg.textContent.trim() :
        "The upload failed (HTTP " + xhr.status + "). Nothing was changed; reload the page and try again.");
    }

    // showPage puts the content of the page the server answered with in
    // place of this one's, when it is the same upload page.
    function showPage(doc) {
      var box = form.closest("[id]");
      var fresh = box && doc.getElementById(box.id);
      var main = document.getElementById("main");
      var answer = doc.getElementById("main");
      if (!fresh || !main || !answer) return false;
      main.replaceChildren.apply(main, Array.prototype.map.call(answer.childNodes, function (n) { return document.importNode(n, true); }));
      if (doc.title) document.title = doc.title;
      main.querySelectorAll("form[data-upload]").forEach(enhanceUpload);
      var focus = main.querySelector(".result-panel h2, [aria-invalid='true']");
      window.scrollTo(0, 0);
      if (focus) focus.focus({preventScroll: true});
      return true;
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (form.classList.contains("upload-busy")) return;
      var file = input.files && input.files[0];
      if (!file) {
        fail("Choose the " + noun + " file to upload.");
        return;
      }
      if (max && file.size > max) {
        fail(noun + " files are at most " + megabytes(max) + " here; " + file.name + " has " + megabytes(file.size) + ". Nothing was changed.");
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable || !ev.total) return;
        var pct = Math.min(100, Math.round(ev.loaded / ev.total * 100));
        bar.value = pct;
        setState("uploading", "Uploading " + file.name + ": " + pct + " % of " + megabytes(file.size));
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        setState("processing", processing);
      });
      xhr.addEventListener("load", function () {
        if (!asPage && xhr.status >= 200 && xhr.status < 300 && xhr.responseURL && xhr.responseURL.split("#")[0] !== form.action) {
          bar.value = 100;
          setState("done", "Stored. Opening the result\u2026");
          window.location.assign(xhr.responseURL + (xhr.responseURL.indexOf("/releases/") >= 0 ? "#sbom" : ""));
          return;
        }
        showAnswer(xhr);
      });
      xhr.addEventListener("error", function () {
        fail("The upload did not reach Bulwark: the connection failed. Nothing was changed; try again.");
      });
      bar.value = 0;
      setState("uploading", "Uploading " + file.name + "\u2026");
      xhr.send(new FormData(form));
    });
  }
})();
