// Office kiosk: a shared touch screen. The conversation id lives in sessionStorage only, and an
// idle screen is wiped (DOM, id, speech) so the next person never sees the last one's data.
// Timeouts come from /api/kiosk/settings; ?idle=SECONDS&goodbye=SECONDS in the page's URL
// override them for one screen (the browser tests use tiny values this way).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var texts = FawuChat.readTexts("texts");
  var welcome = $("welcome");
  var conversation = $("conversation");
  var input = $("input");
  var composer = $("composer");
  var stillThere = $("still-there");
  var statute = $("statute");
  var speakButton = $("speak");
  var KEY = "fawu-kiosk-sender";

  var serviceButtons = Array.prototype.slice.call(document.querySelectorAll(".services button"));
  var knownPayloads = { "/request_human": texts.handoff };
  serviceButtons.forEach(function (b) { knownPayloads[b.dataset.payload] = b.dataset.title; });

  // Read-aloud with the browser's own speech synthesis, where it has one.
  var canSpeak = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  var speaking = false;
  function setSpeaking(on) {
    speaking = on && canSpeak;
    speakButton.setAttribute("aria-pressed", String(speaking));
    speakButton.textContent = speaking ? texts.speakOn : texts.speakOff;
    if (canSpeak && !speaking) window.speechSynthesis.cancel();
  }
  function speak(text) {
    if (!speaking || !text) return;
    var utterance = new SpeechSynthesisUtterance(text.replace(/https?:\/\/\S+/g, "")); // links are not read out
    utterance.lang = "zh-CN";
    utterance.rate = 0.9; // a little slower for elderly listeners
    window.speechSynthesis.speak(utterance);
  }

  var chat = FawuChat.create({
    log: $("log"),
    typing: $("typing"),
    input: input,
    storage: sessionStorage,
    storageKey: KEY,
    idPrefix: "kiosk-",
    texts: texts,
    knownPayloads: knownPayloads,
    receiptTemplate: $("receipt-template"),
    onCitation: showStatute,
    onBotMessage: function (message) { speak(message.text); },
    onSettled: armIdle
  });

  function showConversation(on) {
    welcome.hidden = on;
    conversation.hidden = !on;
    $("handoff").hidden = !on;
    $("finish").hidden = !on;
  }

  function send(payload, shown) {
    if (canSpeak) window.speechSynthesis.cancel(); // a new question interrupts the old answer
    showConversation(true);
    return chat.send(payload, shown);
  }

  serviceButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      send(button.dataset.payload, button.dataset.title);
      if (button.dataset.payload === "/start_consultation") input.focus();
    });
  });
  $("handoff").addEventListener("click", function () { send("/request_human", texts.handoff); });
  $("finish").addEventListener("click", goodbye);
  speakButton.hidden = !canSpeak;
  speakButton.addEventListener("click", function () { setSpeaking(!speaking); });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || chat.isBusy()) { input.focus(); return; }
    input.value = "";
    send(text, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  // A cited article opens in a dialog: a shared screen should not wander off to other pages.
  function showStatute(label, event) {
    event.preventDefault();
    var title = $("statute-title");
    var body = $("statute-text");
    title.textContent = label;
    body.replaceChildren();
    fetch("/api/statutes?cite=" + encodeURIComponent(label)).then(function (r) {
      if (!r.ok) throw new Error("missing");
      return r.json();
    }).then(function (article) {
      title.textContent = article.law + article.article;
      if (article.superseded) {
        var warning = document.createElement("p");
        warning.className = "superseded";
        warning.setAttribute("role", "alert");
        warning.textContent = article.superseded;
        body.appendChild(warning);
      }
      article.text.split("\n").forEach(function (line) {
        var p = document.createElement("p");
        p.textContent = line;
        body.appendChild(p);
      });
    }).catch(function () {
      body.textContent = texts.statuteMissing;
    });
    if (!statute.open) statute.showModal();
  }
  $("statute-close").addEventListener("click", function () { statute.close(); });

  // Idle: ask "还在吗？", then wipe everything for the next person.
  var params = new URLSearchParams(location.search);
  function seconds(name, fallback) {
    var value = parseFloat(params.get(name));
    return isFinite(value) && value > 0 ? value : fallback;
  }
  var idleSeconds = seconds("idle", 120);
  var goodbyeSeconds = seconds("goodbye", 30);
  var idleTimer = null;
  var goodbyeTimer = null;
  var countdownTimer = null;

  function somethingOnScreen() {
    return !conversation.hidden || input.value !== "" || statute.open || speaking;
  }
  function armIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(idleNow, idleSeconds * 1000);
  }
  function idleNow() {
    if (chat.isBusy()) { armIdle(); return; } // waiting for a reply is not the resident leaving
    if (!somethingOnScreen()) return;
    var left = Math.ceil(goodbyeSeconds);
    $("countdown").textContent = String(left);
    clearInterval(countdownTimer);
    countdownTimer = setInterval(function () {
      left = Math.max(0, left - 1);
      $("countdown").textContent = String(left);
    }, 1000);
    clearTimeout(goodbyeTimer);
    goodbyeTimer = setTimeout(goodbye, goodbyeSeconds * 1000);
    if (!stillThere.open) stillThere.showModal();
    $("continue").focus();
  }
  function stopCountdown() {
    clearTimeout(goodbyeTimer);
    clearInterval(countdownTimer);
    if (stillThere.open) stillThere.close();
  }
  function stillHere() {
    stopCountdown();
    armIdle();
  }
  function goodbye() {
    stopCountdown();
    clearTimeout(idleTimer);
    if (statute.open) statute.close();
    $("statute-title").textContent = "";
    $("statute-text").replaceChildren();
    setSpeaking(false);
    chat.reset(); // new conversation id, transcript gone from the page
    showConversation(false);
    window.getSelection().removeAllRanges();
    window.scrollTo(0, 0);
  }
  $("continue").addEventListener("click", stillHere);
  stillThere.addEventListener("cancel", function (event) { event.preventDefault(); stillHere(); }); // Esc
  ["pointerdown", "keydown", "input", "wheel"].forEach(function (type) {
    document.addEventListener(type, function () {
      if (stillThere.open) stillHere();
      else armIdle();
    }, { capture: true, passive: true });
  });

  fetch("/api/kiosk/settings").then(function (r) { return r.ok ? r.json() : {}; }).then(function (s) {
    idleSeconds = seconds("idle", s.idle_seconds || idleSeconds);
    goodbyeSeconds = seconds("goodbye", s.goodbye_seconds || goodbyeSeconds);
    armIdle();
  }).catch(armIdle);

  setSpeaking(false);
  // A reload in the middle of a visit (same tab) picks the conversation up again.
  chat.restore().then(function (had) {
    if (had) showConversation(true);
    armIdle();
  });
})();
