// Web chat for residents on a phone or computer; the conversation id is kept in this browser.
(function () {
  "use strict";
  var input = document.getElementById("input");
  var composer = document.getElementById("composer");
  var texts = FawuChat.readTexts("texts");
  var KEY = "fawu-chat-sender";

  var chat = FawuChat.create({
    log: document.getElementById("log"),
    typing: document.getElementById("typing"),
    input: input,
    storage: localStorage,
    storageKey: KEY,
    idPrefix: "web-",
    texts: texts,
    knownPayloads: { "/greet": texts.greeting, "/request_human": texts.handoff },
    receiptTemplate: document.getElementById("receipt-template")
  });

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || chat.isBusy()) { input.focus(); return; } // while a reply is pending, the text stays put
    input.value = "";
    chat.send(text, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { // Enter inside an IME picks a word
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  document.getElementById("handoff").addEventListener("click", function () { chat.send("/request_human", texts.handoff); });
  document.getElementById("forget").addEventListener("click", function () {
    chat.forget().then(function (done) {
      if (!done) { document.getElementById("forget-failed").hidden = false; return; } // nothing lost: try again
      localStorage.removeItem(KEY);
      location.reload();
    });
  });

  // A reloaded page shows the conversation so far; a new one starts with a greeting.
  chat.restore().then(function (had) {
    if (!had) chat.send("/greet", texts.greeting);
  });
})();
