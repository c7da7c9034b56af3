// Settle's page behaviour: idle logoff, live invoice totals, and the
// payment allocation total. No framework; htmx does the rest.
(function () {
  "use strict";
  var body = document.body;
  // HIPAA automatic logoff: after the session's idle time with no input,
  // log out (the server would refuse the session anyway).
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var form = document.getElementById("logout-form");
        if (form) { form.querySelector("input[name=expired]").value = "1"; form.submit(); }
        else { window.location = "/login?expired=1"; }
      }, idle * 1000);
    };
    ["keydown", "mousedown", "touchstart", "scroll"].forEach(function (e) { window.addEventListener(e, reset, { passive: true }); });
    reset();
  }
  // Whole cents from a decimal string, or NaN.
  function cents(text) {
    text = (text || "").trim().replace(/[$,\s]/g, "");
    if (!/^-?\d*(\.\d{0,4})?$/.test(text) || text === "" || text === "-") return NaN;
    var neg = text[0] === "-"; if (neg) text = text.slice(1);
    var parts = text.split("."); var frac = (parts[1] || "").padEnd(4, "0");
    var v = parseInt(parts[0] || "0", 10) * 10000 + parseInt(frac, 10);
    return (neg ? -v : v) / 100; // cents with up to 2 decimals of sub-cent
  }
  function show(c) {
    if (isNaN(c)) return "—";
    var neg = c < 0; c = Math.round(Math.abs(c));
    var s = (Math.floor(c / 100)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + String(c % 100).padStart(2, "0");
    return (neg ? "-$" : "$") + s;
  }
  // Invoice lines: quantity × price, tax, and the totals, as typed.
  function recalc(form) {
    var sub = 0, tax = 0, ok = true;
    form.querySelectorAll("tr.line").forEach(function (row) {
      var q = parseFloat(row.querySelector("[name=quantity]").value || "0");
      var priceText = row.querySelector("[name=unit_price]").value.trim();
      var cell0 = row.querySelector(".amount");
      if (priceText === "") { cell0.textContent = "—"; return; } // a blank row is not a line
      var p = cents(priceText);
      var r = parseFloat(row.querySelector("[name=tax_rate]").value || "0");
      var amount = Math.round(q * p), t = Math.round(amount * r / 100);
      var cell = row.querySelector(".amount");
      if (isNaN(amount) || isNaN(t)) { ok = false; cell.textContent = "—"; return; }
      cell.textContent = show(amount); sub += amount; tax += t;
    });
    var set = function (sel, v) { var el = form.querySelector(sel); if (el) el.textContent = ok ? show(v) : "—"; };
    set("#subtotal", sub); set("#tax", tax); set("#total", sub + tax);
  }
  document.addEventListener("input", function (e) {
    var form = e.target.closest("form.invoice-form");
    if (form) recalc(form);
    var pay = e.target.closest("form.payment-form");
    if (pay && (e.target.name === "apply_amount" || e.target.name === "amount")) handTotal(pay);
  });
  // The payment form: what is set by hand, against the amount received.
  function handTotal(pay) {
    var manual = pay.querySelector("#allocation-manual");
    var sum = 0; pay.querySelectorAll("[name=apply_amount]").forEach(function (i) { var c = cents(i.value); if (!isNaN(c)) sum += c; });
    var el = pay.querySelector("#allocated"); if (el) el.textContent = show(sum);
    var note = pay.querySelector("#allocated-note");
    if (!note) return;
    var received = cents(pay.querySelector("[name=amount]").value);
    if (!manual || !manual.checked || isNaN(received)) { note.textContent = ""; return; }
    if (sum > received) note.textContent = "(" + show(sum - received) + " more than received: lower an amount)";
    else if (sum < received) note.textContent = "(" + show(received - sum) + " will be kept as credit)";
    else note.textContent = "(all of it)";
  }
  // Once the clerk has set amounts by hand, a new amount received leaves
  // them as they are; going back to "Oldest due first" shows that plan again.
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    var manual = document.getElementById("allocation-manual");
    if (elt && elt.id === "amount" && manual && manual.checked) e.preventDefault();
  });
  document.addEventListener("change", function (e) {
    if (e.target.id !== "allocation-oldest" || !e.target.checked || !window.htmx) return;
    var amount = document.getElementById("amount");
    window.htmx.ajax("GET", amount.getAttribute("hx-get"), { source: amount, target: "#plan" }).then(function () {
      var pay = amount.closest("form.payment-form"); if (pay) handTotal(pay);
    });
  });
  document.querySelectorAll("form.payment-form").forEach(handTotal);
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-line]");
    if (add) {
      var form = add.closest("form");
      var rows = form.querySelectorAll("tr.line");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (i) { i.value = i.name === "quantity" ? "1" : i.name === "tax_rate" ? "0" : ""; i.removeAttribute("aria-invalid"); });
      copy.querySelectorAll(".error").forEach(function (x) { x.remove(); });
      rows[rows.length - 1].after(copy);
      copy.querySelector("input").focus();
      recalc(form);
    }
    var remove = e.target.closest("[data-remove-line]");
    if (remove) {
      var f = remove.closest("form");
      if (f.querySelectorAll("tr.line").length > 1) { remove.closest("tr").remove(); recalc(f); }
    }
  });
  document.querySelectorAll("form.invoice-form").forEach(recalc);
  // htmx sends the CSRF token on every request it makes.
  document.addEventListener("htmx:configRequest", function (e) {
    var token = body.getAttribute("data-csrf");
    if (token) e.detail.headers["X-CSRF-Token"] = token;
  });
})();

// A file input with data-fill reads the chosen text file into the named
// textarea (and its name into data-fill-name), so an upload posts as a form.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.fill) return;
  const file = input.files && input.files[0];
  if (!file) return;
  const target = document.getElementById(input.dataset.fill);
  const name = input.dataset.fillName && document.getElementById(input.dataset.fillName);
  file.text().then((text) => {
    if (target) target.value = text;
    if (name) name.value = file.name;
  });
});

// Picking a code from the diagnosis lookup fills the next empty box.
document.addEventListener("click", (event) => {
  const pick = event.target instanceof Element && event.target.closest(".code-pick");
  if (!pick) return;
  const boxes = Array.from(document.querySelectorAll("input[name^=diagnosis]"));
  const empty = boxes.find((b) => b.value.trim() === "");
  if (empty) {
    empty.value = pick.dataset.code;
    empty.focus();
  }
});

// Behaviour that was inline (onclick=...), so the pages' Content-Security-
// Policy can forbid inline script: print buttons, selects that submit their
// form, inputs that tick a box, forms that ask before they send.
document.addEventListener("click", (event) => {
  const print = event.target instanceof Element && event.target.closest("[data-print]");
  if (print) window.print();
});
document.addEventListener("change", (event) => {
  const el = event.target instanceof Element ? event.target : null;
  if (!el) return;
  if (el.matches("[data-autosubmit]") && el.form) el.form.submit();
  if (el.dataset.check) {
    const box = document.getElementById(el.dataset.check);
    if (box) box.checked = true;
  }
});
// A list whose rows can be chosen (a bulk write-off): a box that chooses
// them all, and the count and total of what is chosen beside the button
// and in its confirmation ("{count}" and "{total}" in data-confirm).
// Amounts are decimal strings added as whole cents, never as floats.
function chosen(form) {
  const boxes = Array.from(form.querySelectorAll("input[type=checkbox][data-amount]")).filter((b) => b.checked);
  const cents = boxes.reduce((sum, b) => {
    const [whole, fraction = ""] = b.dataset.amount.split(".");
    return sum + parseInt(whole, 10) * 100 + parseInt((fraction + "00").slice(0, 2), 10);
  }, 0);
  const total = `${Math.floor(cents / 100).toLocaleString("en-US")}.${String(cents % 100).padStart(2, "0")}`;
  return { count: boxes.length, total };
}
function showChosen(form) {
  const out = form.querySelector("[data-chosen]");
  if (!out) return;
  const { count, total } = chosen(form);
  out.textContent = count === 0 ? "Nothing chosen yet." : `${count} chosen, ${total} in all.`;
}
document.addEventListener("change", (event) => {
  const el = event.target instanceof Element ? event.target : null;
  if (!el || !el.form) return;
  if (el.matches("[data-select-all]")) {
    el.form.querySelectorAll("input[type=checkbox][data-amount]").forEach((b) => {
      b.checked = el.checked;
    });
  }
  if (el.matches("[data-select-all], input[type=checkbox][data-amount]")) showChosen(el.form);
});
// What cannot be undone asks first: a form's data-confirm, or the button's
// that sent it (a batch job's real run beside its Preview).
document.addEventListener("submit", (event) => {
  const form = event.target instanceof HTMLFormElement ? event.target : null;
  if (!form) return;
  const button = event.submitter instanceof HTMLElement && event.submitter.dataset.confirm ? event.submitter : null;
  const text = button ? button.dataset.confirm : form.dataset.confirm;
  if (!text) return;
  const { count, total } = chosen(form);
  const question = text.replace("{count}", String(count)).replace("{total}", total);
  if (!window.confirm(question)) event.preventDefault();
});
// "Go back" on an error page: the browser's history, or home without it.
document.addEventListener("click", (event) => {
  const back = event.target instanceof Element && event.target.closest("[data-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// A form that posts and comes back to the same page (the account page's
// collections forms, notes, plans...) gets its answer beside it, not at
// the top of a long page: before it is sent, the form is remembered; when
// the page comes back with a result, the notice moves to that form, is
// scrolled to and read out, and after a refusal the form gets back what
// was typed. Without script the notice stays at the top, as before.
(() => {
  const KEY = "settle-last-form";
  document.addEventListener("submit", (event) => {
    const form = event.target instanceof HTMLFormElement ? event.target : null;
    if (!form || (form.method || "").toLowerCase() !== "post" || event.defaultPrevented) return;
    const values = {};
    for (const el of form.elements) {
      if (!el.name || el.name === "csrf" || el.type === "password" || el.type === "hidden" || el.type === "file") continue;
      if (el.type === "checkbox" || el.type === "radio") values[`${el.name}|${el.value}`] = el.checked;
      else if (el.tagName !== "BUTTON") values[el.name] = el.value;
    }
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ page: location.pathname, action: form.getAttribute("action"), values }));
    } catch (_) { /* storage full or off: the notice stays at the top */ }
  });
  let last = null;
  try { last = JSON.parse(sessionStorage.getItem(KEY) || "null"); sessionStorage.removeItem(KEY); } catch (_) { last = null; }
  const notice = document.getElementById("flash-error") || document.getElementById("flash");
  if (!last || !notice || last.page !== location.pathname) return;
  const form = Array.from(document.querySelectorAll("form[method=post], form[method=POST]")).find((f) => f.getAttribute("action") === last.action);
  if (!form) return;
  form.insertAdjacentElement("beforebegin", notice);
  notice.setAttribute("tabindex", "-1");
  const details = form.closest("details");
  if (details) details.open = true;
  if (notice.id === "flash-error") {
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        const kept = last.values[`${el.name}|${el.value}`];
        if (kept !== undefined) el.checked = kept;
      } else if (Object.prototype.hasOwnProperty.call(last.values, el.name) && el.tagName !== "BUTTON") {
        el.value = last.values[el.name];
      }
    }
  }
  notice.scrollIntoView({ block: "center" });
  notice.focus({ preventScroll: true });
})();

// The browser's offset from UTC, for date-and-time boxes read as "your time".
document.querySelectorAll("[data-tz-offset]").forEach((el) => {
  el.value = String(-new Date().getTimezoneOffset());
});

// A table wider than the page scrolls inside its frame; the frame takes the
// keyboard focus then, so it can be scrolled without a mouse (WCAG 2.1.1).
function focusableScrollers(root) {
  root.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth > wrap.clientWidth + 1 && !wrap.querySelector("a, button, input, select, textarea")) {
      wrap.setAttribute("tabindex", "0");
    }
  });
}
focusableScrollers(document);
window.addEventListener("resize", () => focusableScrollers(document));
document.addEventListener("htmx:afterSwap", (event) => focusableScrollers(event.target));

// A visit's service lines: "Add a line" shows the next row (in the codes
// table and the line facts table alike) and puts the cursor in it.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-add-line]");
  if (!button || !button.form) return;
  const next = button.form.querySelector("tr[data-line][hidden]");
  if (!next) return;
  button.form.querySelectorAll(`tr[data-line="${next.dataset.line}"]`).forEach((tr) => tr.removeAttribute("hidden"));
  const first = next.querySelector("input:not([type=hidden])");
  if (first) first.focus();
  if (!button.form.querySelector("tr[data-line][hidden]")) button.disabled = true;
});

// After a promise to pay is logged, the promise form is next.
if (new URLSearchParams(location.search).get("then") === "promise") {
  const amount = document.getElementById("pr-amount");
  if (amount) {
    amount.scrollIntoView({ block: "center" });
    amount.focus();
  }
}

// Keyboard shortcuts, for the collector's and the biller's day. A key
// pressed outside a text box: "/" finds an account, "j" and "k" move
// through a list's rows (Enter opens the row's link), and any element that
// declares a key (data-key="n" on "Next in my queue") is clicked, or
// focused if it is a box. "?" lists this page's keys. Nothing happens while
// typing, or with Ctrl, Alt or Meta held.
(() => {
  const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const rows = () => Array.from(document.querySelectorAll("main table tbody tr")).filter((tr) => tr.querySelector("a[href]"));
  let row = -1;
  const moveRow = (step) => {
    const all = rows();
    if (all.length === 0) return;
    row = Math.max(0, Math.min(all.length - 1, row + step));
    all.forEach((tr, i) => tr.classList.toggle("kbd-row", i === row));
    const link = all[row].querySelector("a[href]");
    link.focus();
    link.scrollIntoView({ block: "nearest" });
  };
  const declared = () => Array.from(document.querySelectorAll("[data-key]")).filter((el) => el.offsetParent !== null || el.tagName === "INPUT");
  const help = () => {
    let dialog = document.getElementById("shortcuts");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcuts";
      dialog.setAttribute("aria-labelledby", "shortcuts-h");
      const items = [
        ["/", "Find an account"],
        ["j / k", "Next / previous row of a list (Enter opens it)"],
        ...declared().map((el) => [el.dataset.key, el.dataset.keyLabel || el.textContent.trim()]),
        ["?", "This list"],
      ];
      const list = items.map(([k, what]) => `<tr><th scope="row"><kbd>${k}</kbd></th><td>${what.replace(/</g, "&lt;")}</td></tr>`).join("");
      dialog.innerHTML = `<h2 id="shortcuts-h">Keyboard shortcuts</h2><table class="small"><tbody>${list}</tbody></table><form method="dialog"><button type="submit">Close</button></form>`;
      document.body.appendChild(dialog);
    }
    if (typeof dialog.showModal === "function") dialog.showModal();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target) || document.querySelector("dialog[open]")) return;
    const key = event.key;
    if (key === "?") {
      event.preventDefault();
      help();
    } else if (key === "/") {
      event.preventDefault();
      const box = document.getElementById("q");
      if (box) box.focus();
      else location.href = "/accounts";
    } else if (key === "j" || key === "k") {
      if (rows().length === 0) return;
      event.preventDefault();
      moveRow(key === "j" ? 1 : -1);
    } else {
      const target = declared().find((el) => el.dataset.key === key);
      if (!target) return;
      event.preventDefault();
      if (typing(target)) {
        target.scrollIntoView({ block: "center" });
        target.focus();
      } else {
        target.click();
      }
    }
  });
  // Where there are keys, say so once.
  const main = document.getElementById("main");
  if (main && (declared().length > 0 || rows().length > 0) && document.body.dataset.csrf) {
    const hint = document.createElement("p");
    hint.className = "hint no-print kbd-hint";
    hint.innerHTML = 'Press <kbd>?</kbd> for keyboard shortcuts.';
    main.appendChild(hint);
  }
})();
