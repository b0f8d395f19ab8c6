// call-qa web app: the officer's workspace on the call page. Seek the audio from the
// timeline, transcript, evidence and comments; follow playback in the transcript;
// save overrides, comments, sign-off and claims with fetch (the audio keeps playing);
// keyboard shortcuts (? shows them); report real playback for the access log.
// Served from this server only (no third-party code), so the page's CSP can forbid
// everything else.
(function () {
  "use strict";
  var VERDICT_KEYS = { "1": "pass", "2": "partial", "3": "fail", "4": "not_applicable", "e": "needs_review" };

  function player() { return document.getElementById("player"); }
  function workspace() { return document.getElementById("workspace"); }

  function seek(t) {
    var audio = player();
    if (!audio || !isFinite(t)) { return; }
    audio.currentTime = Math.max(0, t);
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: position is set */ }); }
  }

  function showSentence(s) {
    var el = document.getElementById("s-" + s);
    if (!el) { return; }
    el.classList.add("now");
    el.scrollIntoView({ block: "center" });
    setTimeout(function () { el.classList.remove("now"); }, 1500);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-t]") : null;
    if (target && !target.closest("form")) {
      event.preventDefault();
      seek(parseFloat(target.getAttribute("data-t")));
      return;
    }
    var sentence = event.target.closest ? event.target.closest("button[data-s]") : null;
    if (sentence) { showSentence(sentence.getAttribute("data-s")); return; }
    var svg = event.target.closest ? event.target.closest("svg#timeline") : null;
    if (svg) {
      // A click on the empty timeline seeks to the time under the pointer.
      var point = svg.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      var x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
      var left = parseFloat(svg.dataset.left), right = parseFloat(svg.dataset.width);
      var duration = parseFloat(svg.dataset.duration);
      if (x >= left) { seek((x - left) / (right - left) * duration); }
    }
  });

  // ------------------------------------------------------------------ following playback
  function follow() {
    var audio = player(), svg = document.getElementById("timeline"), cursor = document.getElementById("cursor");
    if (!audio) { return; }
    var utts = Array.prototype.slice.call(document.querySelectorAll("#transcript .utt"));
    var box = document.getElementById("transcript"), current = null;
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime;
      if (svg && cursor) {
        var left = parseFloat(svg.dataset.left), right = parseFloat(svg.dataset.width);
        var duration = parseFloat(svg.dataset.duration);
        var x = left + (right - left) * Math.min(1, t / duration);
        cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
      }
      var now = null;
      for (var i = 0; i < utts.length; i++) {
        var s = parseFloat(utts[i].dataset.t), e = parseFloat(utts[i].dataset.end);
        if (t >= s && t < e) { now = utts[i]; }
      }
      if (now !== current) {
        if (current) { current.classList.remove("now"); }
        if (now) {
          now.classList.add("now");
          // Scroll the transcript panel only (never the page: the player stays put).
          if (box) { box.scrollTop = now.offsetTop - box.offsetTop - box.clientHeight / 3; }
        }
        current = now;
      }
    });
  }

  // ------------------------------------------------------------------ honest audit
  function reportPlayback() {
    var audio = player(), ws = workspace();
    if (!audio || !ws) { return; }
    var started = null, heard = 0, reported = false;
    function post(data) {
      var form = new FormData();
      form.append("csrf_token", ws.dataset.csrf);
      Object.keys(data).forEach(function (k) { form.append(k, data[k]); });
      if (navigator.sendBeacon) { navigator.sendBeacon(ws.dataset.base + "/played", form); }
      else { fetch(ws.dataset.base + "/played", { method: "POST", body: form, credentials: "same-origin" }); }
    }
    audio.addEventListener("playing", function () {
      started = audio.currentTime;
      if (!reported) { reported = true; post({ event: "start", at_s: audio.currentTime.toFixed(1) }); }
    });
    function stop() {
      if (started === null) { return; }
      heard += Math.max(0, audio.currentTime - started);
      started = null;
    }
    audio.addEventListener("pause", stop);
    audio.addEventListener("seeking", function () { if (!audio.paused) { stop(); } });
    audio.addEventListener("seeked", function () { if (!audio.paused) { started = audio.currentTime; } });
    window.addEventListener("pagehide", function () {
      if (!audio.paused) { stop(); }
      if (reported) { post({ event: "stop", heard_s: heard.toFixed(1), at_s: audio.currentTime.toFixed(1) }); }
    });
  }

  // ------------------------------------------------------------------ saving without a reload
  function status(text, bad) {
    var el = document.getElementById("status");
    if (el) { el.textContent = text; el.className = "status" + (bad ? " error" : ""); }
  }

  function send(form, extra) {
    var ws = workspace(), data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || r.statusText); }
        status(ws.dataset.saved, false);
        return body;
      });
    }).catch(function (err) { status(ws.dataset.failed + " " + err.message, true); throw err; });
  }

  function applyScores(body) {
    if (body.reviewed_score !== undefined) { document.getElementById("reviewed-score").textContent = body.reviewed_score; }
    if (body.awaiting !== undefined) { document.getElementById("awaiting").textContent = body.awaiting; }
    Object.keys(body.decisions || {}).forEach(function (id) {
      var item = document.getElementById("item-" + id);
      if (!item) { return; }
      var d = body.decisions[id], slot = item.querySelector(".decided");
      item.dataset.decided = d.verdict;
      item.classList.toggle("awaiting", d.verdict === "needs_review");
      slot.textContent = "→ ";
      var badge = document.createElement("span");
      badge.className = "verdict " + d.verdict; badge.dataset.role = "decided"; badge.textContent = d.label;
      slot.appendChild(badge);
      slot.appendChild(document.createTextNode(" (QA)"));
      var select = item.querySelector("select[name=verdict]");
      if (select) { select.value = d.verdict; }
    });
  }

  function addAuditRow(a) {
    var body = document.querySelector("#audit tbody");
    if (!body || !a) { return; }
    var tr = document.createElement("tr");
    [a.when, a.user, a.item, a.verdict, a.reason].forEach(function (v) {
      var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    });
    body.appendChild(tr);
  }

  function wireForms() {
    document.querySelectorAll("form.override").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form).then(function (body) {
          applyScores(body); addAuditRow(body.audit);
          form.querySelector("input[name=reason]").value = "";
        }, function () {});
      });
    });
    var accept = document.getElementById("accept-form");
    if (accept) {
      accept.addEventListener("submit", function (event) {
        event.preventDefault();
        send(accept).then(applyScores, function () {});
      });
    }
    var signoff = document.getElementById("signoff-form");
    if (signoff) {
      signoff.addEventListener("submit", function (event) {
        event.preventDefault();
        send(signoff).then(function (body) {
          applyScores(body); document.getElementById("signoff").textContent = body.signoff;
        }, function () {});
      });
    }
    var claim = document.getElementById("claim-form");
    if (claim) {
      claim.addEventListener("submit", function (event) {
        event.preventDefault();
        send(claim).then(function (body) { status(body.claim, false); }, function () {});
      });
    }
    var swap = document.getElementById("swap-form");
    if (swap) {
      swap.addEventListener("submit", function (event) {
        // The swap re-scores the call: ask first; the server wants confirm=yes.
        if (!window.confirm(workspace().dataset.confirmSwap)) { event.preventDefault(); return; }
        swap.querySelector("input[name=confirm]").value = "yes";
      });
    }
    var comment = document.getElementById("comment-form");
    if (comment) {
      comment.addEventListener("submit", function (event) {
        event.preventDefault();
        var audio = player();
        send(comment, { at_s: audio ? audio.currentTime.toFixed(1) : "" }).then(function (c) {
          var list = document.getElementById("comments"), none = document.getElementById("no-comments");
          if (none) { none.remove(); }
          var li = document.createElement("li");
          if (c.at_s !== null) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "evidence"; b.dataset.t = c.at_s; b.textContent = c.mmss;
            li.appendChild(b); li.appendChild(document.createTextNode(" "));
          }
          var who = document.createElement("strong"); who.textContent = c.user; li.appendChild(who);
          li.appendChild(document.createTextNode(" " + c.when + " " + c.text));
          list.appendChild(li);
          comment.querySelector("input[name=text]").value = "";
          comment.querySelector("input[name=text]").blur();
        }, function () {});
      });
    }
  }

  // ------------------------------------------------------------------ keyboard
  function items() { return Array.prototype.slice.call(document.querySelectorAll(".item[data-item]")); }
  var currentItem = -1;

  function selectItem(i) {
    var all = items();
    if (!all.length) { return; }
    currentItem = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (el, k) { el.classList.toggle("selected", k === currentItem); });
    var el = all[currentItem];
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  function chosen() { return currentItem >= 0 ? items()[currentItem] : null; }

  function toggleHelp(show) {
    var help = document.getElementById("help");
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function onKey(event) {
    if (!workspace()) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      toggleHelp(false);
      if (typing(event.target)) { event.target.blur(); }
      return;
    }
    if (typing(event.target)) { return; }
    var audio = player(), key = event.key, item = chosen();
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === " " || key === "k") {
      // Space plays and pauses; it must not scroll the page away from the player.
      event.preventDefault();
      if (audio) { if (audio.paused) { audio.play().catch(function () {}); } else { audio.pause(); } }
      return;
    }
    if (key === "ArrowLeft" || key === "ArrowRight") {
      event.preventDefault();
      if (audio) { audio.currentTime = Math.max(0, audio.currentTime + (key === "ArrowLeft" ? -5 : 5)); }
      return;
    }
    if (key === "j" || key === "ArrowDown") { event.preventDefault(); selectItem(currentItem + 1); return; }
    if (key === "u" || key === "ArrowUp") { event.preventDefault(); selectItem(currentItem - 1); return; }
    if (key === "A") { event.preventDefault(); var acc = document.getElementById("accept-form"); if (acc) { acc.requestSubmit(); } return; }
    if (key === "S") { event.preventDefault(); var so = document.getElementById("signoff-form"); if (so) { so.requestSubmit(); } return; }
    if (key === "c") {
      var text = document.getElementById("comment-text");
      if (text) { event.preventDefault(); text.focus(); }
      return;
    }
    if (!item) { return; }
    var form = item.querySelector("form.override");
    if (!form) { return; }
    if (VERDICT_KEYS[key]) {
      event.preventDefault();
      form.querySelector("select[name=verdict]").value = VERDICT_KEYS[key];
      form.querySelector("input[name=reason]").focus();
      return;
    }
    if (key === "a") {
      event.preventDefault();
      form.querySelector("select[name=verdict]").value = item.dataset.auto;
      var reason = form.querySelector("input[name=reason]");
      if (!reason.value) { reason.value = workspace().dataset.reasonAccept; }
      form.requestSubmit();
    }
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("DOMContentLoaded", function () {
    follow();
    reportPlayback();
    wireForms();
    var help = document.getElementById("help-button");
    if (help) { help.addEventListener("click", function () { toggleHelp(); }); }
    var target = window.location.hash && document.querySelector(window.location.hash + ".item");
    if (target) { selectItem(items().indexOf(target)); }
  });
})();
