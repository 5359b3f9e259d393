// TVP's pages send their forms to the same JSON API the integrations use, and show the
// API's refusals at the field, in Danish.
(function () {
  "use strict";
  var messages = {
    invalid: "Oplysningerne er ikke gyldige",
    not_found: "Det findes ikke",
    conflict: "Det strider mod det, der allerede er registreret",
    wrong_phase: "Det kan ikke lade sig gøre nu",
    forbidden: "Du har ikke adgang til at gøre dette",
    unauthorized: "Du er ikke logget ind",
    unavailable: "TVP kan ikke nå en tjeneste lige nu. Prøv igen om lidt",
    timeout: "TVP fik ikke svar i tide. Prøv igen",
    too_large: "Der er for meget tekst",
    internal: "Der skete en fejl hos os. Prøv igen"
  };

  function set(obj, path, value) {
    var parts = path.replace(/\]/g, "").split(/\.|\[/);
    var cur = obj;
    for (var i = 0; i < parts.length - 1; i++) {
      var key = /^\d+$/.test(parts[i]) ? Number(parts[i]) : parts[i];
      var nextIsIndex = /^\d+$/.test(parts[i + 1]);
      if (cur[key] === undefined) cur[key] = nextIsIndex ? [] : {};
      cur = cur[key];
    }
    var last = /^\d+$/.test(parts[parts.length - 1]) ? Number(parts[parts.length - 1]) : parts[parts.length - 1];
    cur[last] = value;
  }

  function lines(v) {
    return v.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
  }

  function formJSON(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var t = el.dataset.type || "";
      var v;
      if (el.type === "checkbox" && el.name.slice(-2) === "[]") {
        var name = el.name.slice(0, -2);
        if (!out[name]) out[name] = [];
        if (el.checked) out[name].push(el.value);
        return;
      }
      if (el.type === "checkbox") v = el.checked;
      else if (el.type === "radio") { if (!el.checked) return; v = el.value === "true" ? true : el.value === "false" ? false : el.value; }
      else if (t === "number") { if (el.value === "") return; v = Number(el.value); }
      else if (t === "datetime") { if (el.value === "") return; v = new Date(el.value).toISOString(); }
      else if (t === "lines") v = lines(el.value);
      else if (t === "objlines") v = lines(el.value).map(function (l) { var o = {}; o[el.dataset.key] = l; return o; });
      else if (t === "goals") v = goals(el.value, (el.getAttribute("data-staff") || "").split(/\s+/));
      else { if (el.value === "" && !el.required) return; v = el.value; }
      set(out, el.name, v);
    });
    return out;
  }

  // goals reads the goals field: one agreement a line, "goal | agreement | responsible | due
  // date | id"; lines of the same goal make one goal. The responsible is a participant's user
  // name (staff), "borgeren" (the citizen) or anyone else by name (an outside participant).
  function goals(text, staff) {
    var out = [], byGoal = {};
    lines(text).forEach(function (l) {
      var p = l.split("|").map(function (x) { return x.trim(); });
      var g = byGoal[p[0]];
      if (!g) { g = byGoal[p[0]] = { goal: p[0], agreements: [] }; out.push(g); }
      if (!p[1]) return;
      var a = { text: p[1] }, who = p[2] || "";
      if (/^borger(en)?$/i.test(who)) a.party = "citizen";
      else if (who && staff.indexOf(who) >= 0) { a.party = "staff"; a.staff_id = who; }
      else if (who) { a.party = "outside"; a.outside = who; }
      if (p[3]) a.due_date = p[3];
      if (p[4]) a.id = p[4];
      g.agreements.push(a);
    });
    return out;
  }

  function clear(form) {
    form.querySelectorAll(".error").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (e) { e.removeAttribute("aria-invalid"); });
    var fe = form.querySelector(".form-error");
    if (fe) fe.textContent = "";
  }

  var errorIDs = 0;

  function show(form, p) {
    var msg = (messages[p.code] || "Det lykkedes ikke") + (p.detail ? ": " + p.detail : "");
    var target = p.field && (form.querySelector('[data-error-for="' + p.field + '"]') ||
      form.querySelector('[data-error-for="' + p.field.replace(/\[\d+\].*$/, "") + '"]'));
    if (target) {
      target.textContent = msg;
      var input = form.querySelector('[name="' + p.field + '"]');
      if (input) {
        // A screen reader says the field is wrong and reads the refusal with it.
        if (!target.id) target.id = "fejl-" + (++errorIDs);
        input.setAttribute("aria-invalid", "true");
        var by = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (by.indexOf(target.id) < 0) input.setAttribute("aria-describedby", by.concat(target.id).join(" "));
        input.focus();
      }
    }
    else { var fe = form.querySelector(".form-error"); if (fe) fe.textContent = msg; }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // The session's CSRF token: every post to the API carries it (X-TVP-CSRF).
  function csrf() {
    var m = document.querySelector('meta[name="tvp-csrf"]');
    return m ? m.content : "";
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.dataset.api) return;
    e.preventDefault();
    clear(form);
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    if (!form.dataset.key) form.dataset.key = uuid(); // a double click sends the same request
    fetch(form.dataset.api, {
      method: form.dataset.method || "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-TVP-CSRF": csrf(), "Idempotency-Key": form.dataset.key },
      body: form.dataset.empty === "true" ? "" : JSON.stringify(formJSON(form))
    }).then(function (res) {
      return res.text().then(function (text) {
        var body = {};
        try { body = text ? JSON.parse(text) : {}; } catch (err) { body = {}; }
        if (res.ok) {
          var next = form.dataset.next;
          if (next) location.href = next.replace("{id}", body.id || body.course_id || "");
          else location.reload();
          return;
        }
        form.dataset.key = ""; // corrected input is a new request
        show(form, body);
      });
    }).catch(function () {
      show(form, { code: "unavailable" });
    }).finally(function () {
      if (button) button.disabled = false;
    });
  });
})();
