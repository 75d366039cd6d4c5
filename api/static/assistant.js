// What the web chat and the kiosk share: sending, rendering replies, restoring a transcript.
// Every text from the server or the resident goes into the page with textContent, never as HTML.
(function () {
  "use strict";

  // The conversation's token: a random UUIDv4 from the browser's CSPRNG (getRandomValues works on
  // plain-HTTP kiosk pages too, unlike randomUUID). The server accepts nothing weaker.
  var STRONG_ID = /^(web|kiosk)-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  function newId(prefix) {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return prefix + [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // The token travels in a header, never in a URL, so no access log or history keeps it.
  function conversationRequest(path, sender, method) {
    return fetch(path, { method: method || "GET", headers: { "X-Conversation": sender }, cache: "no-store" });
  }

  // The receipt's QR code is drawn by the server from the reference and the office's meeting
  // link only, fetched by POST (out of access logs) and shown from memory.
  function showQr(img, receipt) {
    fetch("/api/qr", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reference: receipt.reference || "", join_url: safeLink(receipt.join_url) })
    }).then(function (r) { return r.ok ? r.blob() : null; }).then(function (blob) {
      if (blob) img.src = URL.createObjectURL(blob);
    }).catch(function () { /* the reference is on the receipt in words */ });
  }

  function statutePage(label) {
    return "/statutes/view?cite=" + encodeURIComponent(label);
  }

  function safeLink(url) {
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  // "2025-06-03T09:30:00+08:00" -> "2025-06-03 09:30" (already the office's local time).
  function localTime(iso) {
    return typeof iso === "string" && iso.length >= 16 ? iso.slice(0, 16).replace("T", " ") : "";
  }

  /**
   * options: log, typing (elements); input (textarea, gets unsent text back); storage
   * (localStorage or sessionStorage); storageKey; idPrefix; texts ({citations, button, error});
   * knownPayloads ({payload: title} for the page's own buttons); receiptTemplate (<template>);
   * onCitation(label, event), onBotMessage(message, element), onSettled() (all optional).
   */
  function create(options) {
    var log = options.log;
    var texts = options.texts;
    var generation = 0; // a reply that arrives after reset() belongs to nobody on screen
    var busy = false;
    var buttonTitles = {}; // payload -> title of every button shown, to show a restored press by its title
    var lastAnswer = null; // the bot's latest text bubble, until the resident speaks again
    var sender = options.storage.getItem(options.storageKey);
    var restored = STRONG_ID.test(sender || "");
    if (!restored) {
      sender = newId(options.idPrefix || "");
      options.storage.setItem(options.storageKey, sender);
    }

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function bubble(kind, text) {
      if (kind === "user") lastAnswer = null;
      var div = document.createElement("div");
      div.className = "msg " + kind;
      div.textContent = text;
      log.appendChild(div);
      scrollToEnd();
      return div;
    }

    function citations(list) {
      var box = document.createElement("div");
      box.className = "citations";
      box.appendChild(document.createTextNode(texts.citations));
      list.forEach(function (citation) {
        var label = citation.label || "";
        var link = document.createElement("a");
        link.href = statutePage(label);
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = label;
        if (options.onCitation) {
          link.addEventListener("click", function (event) { options.onCitation(label, event); });
        }
        box.appendChild(link);
      });
      return box;
    }

    function receiptCard(receipt) {
      var card = options.receiptTemplate.content.firstElementChild.cloneNode(true);
      function slot(name) { return card.querySelector('[data-slot="' + name + '"]'); }
      slot("service").textContent = receipt.service || "";
      slot("reference").textContent = receipt.reference || "";
      var start = localTime(receipt.start);
      slot("start").textContent = start;
      slot("start-row").hidden = !start;
      var join = safeLink(receipt.join_url);
      var joinSlot = slot("join");
      if (joinSlot) {
        joinSlot.textContent = join || "";
        if (joinSlot.tagName === "A" && join) { joinSlot.href = join; }
        slot("join-row").hidden = !join;
      }
      var qr = slot("qr");
      showQr(qr, receipt);
      slot("print").addEventListener("click", function () {
        // The print stylesheet shows only the receipt marked as printing.
        document.body.classList.add("printing-receipt");
        card.classList.add("printing");
        try { window.print(); } finally {
          card.classList.remove("printing");
          document.body.classList.remove("printing-receipt");
        }
      });
      return card;
    }

    function showBot(message) {
      var div = null;
      if (message.text) { div = lastAnswer = bubble("bot", message.text); }
      // Rasa sends a reply's extras as a message of their own: the links join the answer above.
      var cited = (message.custom && message.custom.citations) || [];
      var answer = div || lastAnswer;
      if (cited.length) {
        if (answer) { answer.appendChild(citations(cited)); } else { log.appendChild(citations(cited)); }
      }
      var receipt = message.custom && message.custom.receipt;
      if (receipt && receipt.reference && options.receiptTemplate) {
        log.appendChild(receiptCard(receipt));
      }
      if (message.buttons && message.buttons.length) {
        var row = document.createElement("div");
        row.className = "buttons";
        message.buttons.forEach(function (b) {
          buttonTitles[b.payload] = b.title;
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = b.title;
          button.addEventListener("click", function () { send(b.payload, b.title); });
          row.appendChild(button);
        });
        log.appendChild(row);
      }
      scrollToEnd();
      if (options.onBotMessage) { options.onBotMessage(message, div); }
    }

    // A restored button press shows the button's title, not its payload.
    function shownForPayload(payload) {
      var known = options.knownPayloads || {};
      return buttonTitles[payload] || known[payload] || known[payload.split(/[{@]/)[0]] || texts.button;
    }

    function send(payload, shown) {
      if (busy) return false; // one message at a time: a double tap sends once
      busy = true;
      talked = true;
      var mine = generation;
      bubble("user", shown);
      options.typing.hidden = false;
      scrollToEnd();
      fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: payload })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (mine !== generation) return;
        if (!result.ok) throw new Error(typeof result.body.detail === "string" ? result.body.detail : "");
        result.body.forEach(showBot);
      }).catch(function (error) {
        if (mine !== generation) return;
        var message = error && error.message;
        bubble("bot error", message && /[\u4e00-\u9fa5]/.test(message) ? message : texts.error);
        if (options.input && payload === shown) options.input.value = payload; // typed words (not a button) come back for a retry
      }).finally(function () {
        if (mine !== generation) return;
        options.typing.hidden = true;
        busy = false;
        if (options.onSettled) options.onSettled();
      });
      return true;
    }

    // A stored bot event as the REST channel sent it live: Rasa splits a text without buttons
    // into one message per paragraph, and sends the extras (custom) as a message of their own.
    function asSent(line) {
      var messages = [];
      if (line.buttons && line.buttons.length) {
        messages.push({ text: line.text, buttons: line.buttons });
      } else if (line.text) {
        line.text.trim().split("\n\n").forEach(function (part) { messages.push({ text: part }); });
      }
      if (line.custom) messages.push({ custom: line.custom });
      return messages;
    }

    // A member of staff who took over the conversation writes into the tracker, not through
    // /api/chat: the page looks for their messages every few seconds while it is visible.
    var staffShown = 0;
    var talked = false;
    function isStaffLine(line) {
      var takeover = line.sender === "bot" && line.custom && line.custom.takeover;
      return Boolean(takeover && takeover.state !== "waiting");
    }
    function showStaff(line) {
      staffShown += 1;
      if (line.text) bubble("bot staff", line.text);
      scrollToEnd();
    }
    function poll() {
      if (!(restored || talked) || document.visibilityState !== "visible") return;
      var mine = generation;
      conversationRequest("/api/conversation/messages", sender).then(function (r) {
        return r.ok ? r.json() : [];
      }).then(function (lines) {
        if (mine !== generation) return;
        lines.filter(isStaffLine).slice(staffShown).forEach(showStaff);
      }).catch(function () { /* the next look will try again */ });
    }
    setInterval(poll, options.pollMs || 5000);

    // Shows the conversation so far; resolves to whether there was any.
    function restore() {
      if (!restored) return Promise.resolve(false);
      var mine = generation;
      return conversationRequest("/api/conversation/messages", sender).then(function (r) {
        return r.ok ? r.json() : [];
      }).then(function (lines) {
        if (mine !== generation) return false;
        lines.forEach(function (line) {
          if (line.sender === "user") {
            var text = line.text || "";
            bubble("user", text.charAt(0) === "/" ? shownForPayload(text) : text);
          } else if (isStaffLine(line)) {
            showStaff(line);
          } else {
            asSent(line).forEach(showBot);
          }
        });
        return lines.length > 0;
      }).catch(function () { return false; });
    }

    // Wipes the screen and starts a new conversation under a new id (the kiosk's next person).
    function reset() {
      generation += 1;
      busy = false;
      buttonTitles = {};
      lastAnswer = null;
      staffShown = 0;
      talked = false;
      log.replaceChildren();
      options.typing.hidden = true;
      if (options.input) options.input.value = "";
      options.storage.removeItem(options.storageKey);
      sender = newId(options.idPrefix || "");
      options.storage.setItem(options.storageKey, sender);
      restored = false;
    }

    // Deletes the conversation on the server (the resident's request to forget it); resolves to
    // whether it worked, and only then does the page drop the token.
    function forget() {
      return conversationRequest("/api/conversation", sender, "DELETE").then(function (r) {
        return r.ok;
      }).catch(function () { return false; });
    }

    return {
      send: send,
      forget: forget,
      restore: restore,
      reset: reset,
      isBusy: function () { return busy; },
      sender: function () { return sender; }
    };
  }

  function readTexts(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  window.FawuChat = { create: create, readTexts: readTexts, localTime: localTime };
})();
