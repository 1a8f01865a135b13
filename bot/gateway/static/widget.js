/* Hỏi đáp thủ tục hành chính – Sở Xây dựng tỉnh Tuyên Quang: chat widget for any web page.
 *
 *   <script src="https://HOST/widget.js" data-title="Hỏi đáp thủ tục" data-color="#0b5cab" defer></script>
 *
 * data-title, data-color (header, launcher, own messages), data-text-color (text on that colour),
 * data-open="true" (start opened). Everything lives in a shadow root so the host page's CSS cannot break it.
 * Bot text is only ever set as text nodes; only https: and tel: links become clickable.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__sxdWidget) return;
  window.__sxdWidget = true;

  var BASE = new URL(".", script.src).href;
  var STORE_KEY = "sxd-widget-session@" + BASE;
  var OPEN_KEY = "sxd-widget-open@" + BASE;
  var POLL_OPEN_MS = 4000, POLL_CLOSED_MS = 20000, MAX_CHARS = 4000;
  var T = {
    title: "Hỏi đáp thủ tục hành chính",
    subtitle: "Sở Xây dựng tỉnh Tuyên Quang · trợ lý tự động",
    open: "Mở hộp hỏi đáp thủ tục hành chính",
    close: "Đóng hộp hỏi đáp",
    log: "Hội thoại",
    input: "Câu hỏi của bạn",
    placeholder: "Nhập câu hỏi…",
    send: "Gửi",
    typing: "Trợ lý đang soạn trả lời",
    suggestions: "Gợi ý trả lời",
    welcome: "Xin chào! Tôi hướng dẫn các thủ tục hành chính của Sở Xây dựng tỉnh Tuyên Quang. " +
             "Bạn cần hỏi về thủ tục nào?",
    menu: "Các thủ tục hay hỏi",
    offline: "Không kết nối được máy chủ. Bạn vui lòng kiểm tra mạng và thử lại.",
    error: "Có lỗi xảy ra, bạn vui lòng thử lại.",
    note: "Thông tin mang tính hướng dẫn, kết quả do cơ quan giải quyết quyết định.",
    unread: "Có tin nhắn mới"
  };

  function attr(name, fallback) {
    var v = script.getAttribute("data-" + name);
    return v && v.trim() ? v.trim() : fallback;
  }
  function colour(name, fallback) {
    var v = attr(name, "");
    return v && window.CSS && CSS.supports("color", v) ? v : fallback;
  }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else if (k === "class") node.className = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  // Links: https: URLs and tel: numbers only, and the gateway's own counted redirects (/r/<token>, which may be
  // plain http on a local gateway); everything else stays plain text.
  var LINK = /(https?:\/\/[^\s<>"']+|tel:\+?[0-9][0-9 .\-]{5,}[0-9])/g;
  var ORIGIN = new URL(BASE).origin;
  function richText(text) {
    var frag = document.createDocumentFragment(), last = 0, m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text)) !== null) {
      var raw = m[0].replace(/[.,;:!?)\]]+$/, "");
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      var href = raw.indexOf("tel:") === 0 ? "tel:" + raw.slice(4).replace(/[ .\-]/g, "") : raw;
      var ok = false;
      try {
        var u = new URL(href);
        ok = u.protocol === "https:" || u.protocol === "tel:" || (u.origin === ORIGIN && u.pathname.indexOf("/r/") === 0);
      } catch (e) { ok = false; }
      if (ok) {
        var props = {href: href, target: "_blank", rel: "noopener noreferrer", text: raw};
        // A counted link is followed by its destination, "(dichvucong.gov.vn)": shown on hover and long-press too.
        var shown = /^ \(([A-Za-z0-9.-]+\.[A-Za-z]{2,})\)/.exec(text.slice(m.index + raw.length));
        if (shown && u.pathname.indexOf("/r/") === 0) props.title = "Mở trang " + shown[1];
        frag.appendChild(el("a", props));
      } else {
        frag.appendChild(document.createTextNode(raw));
      }
      last = m.index + raw.length;
      LINK.lastIndex = last;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function svg(path) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    s.appendChild(p);
    return s;
  }

  function storage(kind) {
    try { var s = window[kind]; s.getItem("x"); return s; } catch (e) { return null; }
  }
  var local = storage("localStorage"), sessionStore = storage("sessionStorage");

  function start() {
    var host = el("div", {id: "sxd-widget"});
    host.style.cssText = "all: initial; position: fixed; z-index: 2147483000;";
    var root = host.attachShadow({mode: "open"});
    var css = el("link", {rel: "stylesheet", href: BASE + "widget.css"});
    var frame = el("div", {class: "frame", hidden: ""});
    frame.style.setProperty("--sxd-color", colour("color", "#0b5cab"));
    frame.style.setProperty("--sxd-on-color", colour("text-color", "#ffffff"));
    // Until the styles arrive the frame is hidden and has no layout, so scrolling to the latest message
    // must wait for them too.
    function reveal() { frame.removeAttribute("hidden"); scrollDown(); }
    css.addEventListener("load", reveal);
    css.addEventListener("error", reveal);
    root.appendChild(css);
    root.appendChild(frame);

    var badge = el("span", {class: "badge", hidden: ""});
    var launcher = el("button", {type: "button", class: "launcher", "aria-label": T.open,
                                 "aria-expanded": "false", "aria-controls": "sxd-panel"},
      [svg("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 5v2h10V9H7zm0 4v2h7v-2H7z"), badge]);
    var title = el("h2", {class: "title", id: "sxd-title", text: attr("title", T.title)});
    var closeBtn = el("button", {type: "button", class: "close", "aria-label": T.close},
      [svg("M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z")]);
    var log = el("div", {class: "log", role: "log", "aria-live": "polite", "aria-label": T.log, tabindex: "0"});
    var typing = el("div", {class: "typing", role: "status", hidden: ""},
      [el("span", {class: "dots", "aria-hidden": "true"}, [el("i"), el("i"), el("i")]),
       el("span", {class: "sr-only", text: T.typing})]);
    var input = el("textarea", {id: "sxd-input", rows: "1", maxlength: String(MAX_CHARS), autocomplete: "off",
                                placeholder: T.placeholder});
    var sendBtn = el("button", {type: "submit", class: "send", "aria-label": T.send},
      [svg("M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z"), el("span", {class: "sr-only", text: T.send})]);
    var form = el("form", {class: "ask"},
      [el("label", {for: "sxd-input", class: "sr-only", text: T.input}), input, sendBtn]);
    var panel = el("section", {class: "panel", id: "sxd-panel", role: "dialog", "aria-labelledby": "sxd-title",
                               hidden: ""},
      [el("header", {}, [el("div", {class: "heading"}, [title, el("p", {class: "subtitle", text: T.subtitle})]),
                         closeBtn]),
       log, typing, form, el("p", {class: "note", text: T.note})]);
    frame.appendChild(panel);
    frame.appendChild(launcher);
    document.body.appendChild(host);

    var token = local ? local.getItem(STORE_KEY) : null;
    var rendered = {}, lastId = 0, busy = false, pollTimer = null, loaded = false;

    function scrollDown() { log.scrollTop = log.scrollHeight; }

    function bubble(role, text) {
      var div = el("div", {class: "msg " + role});
      if (role === "bot") div.appendChild(richText(text || ""));
      else div.textContent = text;
      log.appendChild(div);
      return div;
    }

    function addButtons(div, buttons) {
      if (!buttons || !buttons.length) return;
      var row = el("div", {class: "quick", role: "group", "aria-label": T.suggestions});
      buttons.forEach(function (b) {
        var btn = el("button", {type: "button", text: b.title});
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(btn);
      });
      div.appendChild(row);
    }

    function render(entries) {
      entries.forEach(function (e) {
        if (rendered[e.id]) return;
        rendered[e.id] = true;
        lastId = Math.max(lastId, e.id);
        var div = bubble(e.role === "user" ? "user" : "bot", e.text);
        if (e.role !== "user") addButtons(div, e.buttons);
      });
      scrollDown();
    }

    function notice(text) {
      var div = bubble("bot", text);
      div.classList.add("notice");
      scrollDown();
    }

    function welcome() {
      var div = bubble("bot", T.welcome);
      div.classList.add("welcome");
      addButtons(div, [{title: T.menu, payload: "menu"}]);
    }

    function api(path, options) {
      options = options || {};
      var headers = {"Content-Type": "application/json"};
      if (token) headers["X-Widget-Session"] = token;
      return fetch(BASE + "widget/api/" + path, {method: options.method || "POST", headers: headers,
        body: options.body ? JSON.stringify(options.body) : undefined, credentials: "omit", mode: "cors"})
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (data) {
            return {status: res.status, data: data};
          });
        });
    }

    function openSession() {
      return api("session").then(function (r) {
        if (r.status !== 200 || !r.data.session) throw new Error("session " + r.status);
        if (r.data.session !== token) {
          token = r.data.session;
          if (local) local.setItem(STORE_KEY, token);
        }
        return r.data.entries || [];
      });
    }

    function load() {
      if (loaded) return Promise.resolve();
      loaded = true;
      welcome();
      if (!token) return Promise.resolve();
      return openSession().then(render).catch(function () { loaded = false; });
    }

    function send(text, shown) {
      if (busy) return;
      busy = true;
      var pending = bubble("user", shown || text);
      pending.classList.add("pending");
      scrollDown();
      typing.hidden = false;
      sendBtn.disabled = true;
      var ready = token ? Promise.resolve() : openSession();
      ready.then(function () {
        return api("messages", {body: {text: text, title: shown || null}});
      }).then(function (r) {
        if (r.status === 401) {  // session forgotten by the server: start a new one and ask again
          token = null;
          return openSession().then(function () {
            return api("messages", {body: {text: text, title: shown || null}});
          });
        }
        return r;
      }).then(function (r) {
        var entries = (r.data && r.data.entries) || [];
        entries.forEach(function (e) { if (e.role === "user") { rendered[e.id] = true; lastId = Math.max(lastId, e.id); } });
        pending.classList.remove("pending");
        render(entries);
        if (r.status !== 200) notice(r.data && r.data.error ? r.data.error : T.error);
        // A long answer is read from its start: keep the question at the top rather than jump to the end.
        if (log.scrollHeight - pending.offsetTop > log.clientHeight) log.scrollTop = pending.offsetTop - 8;
      }).catch(function () {
        pending.classList.remove("pending");
        notice(T.offline);
      }).then(function () {
        busy = false;
        typing.hidden = true;
        sendBtn.disabled = false;
      });
    }

    function poll() {
      clearTimeout(pollTimer);
      var opened = !panel.hidden;
      pollTimer = setTimeout(poll, opened ? POLL_OPEN_MS : POLL_CLOSED_MS);
      if (!token || busy || document.visibilityState === "hidden") return;
      api("poll?after=" + lastId, {method: "GET"}).then(function (r) {
        if (busy || r.status !== 200) return;
        var fresh = (r.data.entries || []).filter(function (e) { return !rendered[e.id]; });
        if (!fresh.length) return;
        if (!loaded) { loaded = true; welcome(); }
        render(fresh);
        if (panel.hidden) markUnread(true);
      }).catch(function () { /* offline: the next poll tries again */ });
    }

    function markUnread(unread) {
      badge.hidden = !unread;
      launcher.setAttribute("aria-label", unread ? T.open + " – " + T.unread : T.open);
    }

    function setOpen(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      host.classList.toggle("open", open);
      frame.classList.toggle("is-open", open);
      if (sessionStore) sessionStore.setItem(OPEN_KEY, open ? "1" : "0");
      if (open) {
        markUnread(false);
        load().then(function () { scrollDown(); });
        input.focus();
      }
      poll();
    }

    launcher.addEventListener("click", function () { setOpen(panel.hidden); });
    closeBtn.addEventListener("click", function () { setOpen(false); launcher.focus(); });
    panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { setOpen(false); launcher.focus(); }
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight, 120) + "px";
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text || busy) return;
      input.value = "";
      input.style.height = "auto";
      send(text);
    });

    var startOpen = (sessionStore && sessionStore.getItem(OPEN_KEY) === "1") || attr("open", "") === "true";
    setOpen(startOpen);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
