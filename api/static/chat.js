// Web chat: every text goes into the page with textContent, never as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var input = document.getElementById("input");
  var typing = document.getElementById("typing");
  var KEY = "fawu-chat-sender";

  function senderId() {
    var id = localStorage.getItem(KEY);
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9-]/g, "");
      localStorage.setItem(KEY, id);
    }
    return id;
  }
  var sender = senderId();

  function add(kind, text) {
    var div = document.createElement("div");
    div.className = "msg " + kind;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showBot(message) {
    if (message.text) {
      var div = add("bot", message.text);
      var citations = (message.custom && message.custom.citations) || [];
      if (citations.length) {
        var box = document.createElement("div");
        box.className = "citations";
        box.appendChild(document.createTextNode("查看法条："));
        citations.forEach(function (c) {
          var a = document.createElement("a");
          a.href = c.url; a.target = "_blank"; a.rel = "noopener"; a.textContent = c.label;
          box.appendChild(a);
        });
        div.appendChild(box);
      }
    }
    if (message.buttons && message.buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      message.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      log.appendChild(row);
    }
    log.scrollTop = log.scrollHeight;
  }

  var busy = false;
  function send(payload, shown) {
    if (busy) return;  // one message at a time: a double click sends once
    busy = true;
    add("user", shown);
    typing.hidden = false;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: payload })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) throw new Error(result.body.detail || "发送失败，请稍后再试。");
      result.body.forEach(showBot);
    }).catch(function (error) {
      add("bot error", error.message && /[\u4e00-\u9fa5]/.test(error.message) ? error.message : "网络连接有问题，消息没有发出去，请稍后再试。");
      if (payload.charAt(0) !== "/") input.value = payload;  // keep the resident's words for a retry
    }).finally(function () {
      typing.hidden = true;
      busy = false;
    });
  }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { input.focus(); return; }  // while a reply is pending, the text stays put
    input.value = "";
    send(text, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });
  document.getElementById("handoff").addEventListener("click", function () { send("/request_human", "转人工"); });

  // A reloaded page shows the conversation so far; a new one starts with a greeting.
  fetch("/api/conversations/" + encodeURIComponent(sender) + "/messages").then(function (r) {
    return r.ok ? r.json() : [];
  }).then(function (lines) {
    if (!lines.length) { send("/greet", "你好"); return; }
    lines.forEach(function (line) {
      if (line.sender === "user") { add("user", line.text && line.text.charAt(0) === "/" ? "（点击了按钮）" : line.text || ""); }
      else { showBot(line); }
    });
  }).catch(function () { send("/greet", "你好"); });
})();
