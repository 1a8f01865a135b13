// Staff console page. Talks only to /staff/api; every text from citizens goes in through textContent.
"use strict";

const REASONS = {
  unanswered: "Chưa trả lời được", low_confidence: "Chưa chắc chắn", bad_feedback: "Bị đánh giá 👎",
  out_of_scope: "Ngoài phạm vi", handed_over: "Cần gặp cán bộ",
};
const STATES = { new: "Mới", resolved: "Đã xử lý", ignored: "Bỏ qua" };
const CHANNELS = { telegram: "Telegram", zalo: "Zalo", widget: "Web", api: "API" };
const COLORS = ["#0b5cab", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"];

const state = { csrf: null, user: null, selected: null, charts: {}, procedures: [] };
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = state.csrf || "";
  const reply = await fetch(path, {
    method: options.method || "GET", headers, credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const data = await reply.json().catch(() => ({}));
  if (reply.status === 401 && path !== "/staff/api/login") showLogin();
  if (!reply.ok) {
    const error = new Error(data.error || `Lỗi ${reply.status}`);
    error.data = data;  // e.g. the impact a refused publish would have had
    throw error;
  }
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function when(iso) {
  return new Date(iso).toLocaleString("vi-VN", { dateStyle: "short", timeStyle: "short" });
}

// --- session -------------------------------------------------------------------------------------

function showLogin() {
  state.csrf = null;
  $("app-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
  $("login-username").focus();
}

function showApp(me) {
  state.csrf = me.csrf_token;
  state.user = me;
  $("who-name").textContent = me.username;
  $("who-role").textContent = me.role === "admin" ? "quản trị" : "cán bộ";
  $("who").hidden = false;
  $("tab-admin").hidden = me.role !== "admin";
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  loadProcedures();
  loadQueue();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const me = await api("/staff/api/login", {
      method: "POST", body: { username: $("login-username").value, password: $("login-password").value },
    });
    $("login-password").value = "";
    showApp(me);
  } catch (error) {
    $("login-error").textContent = error.message === "wrong user name or password"
      ? "Sai tên đăng nhập hoặc mật khẩu." : error.message;
  }
});

$("logout").addEventListener("click", async () => {
  await api("/staff/api/logout", { method: "POST" }).catch(() => {});
  showLogin();
});

// --- tabs ----------------------------------------------------------------------------------------

document.querySelectorAll(".tab").forEach((tab) => tab.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
  document.querySelectorAll(".tab-view").forEach((view) => { view.hidden = view.id !== `${tab.dataset.tab}-view`; });
  if (tab.dataset.tab === "queue") loadQueue();
  if (tab.dataset.tab === "dashboard") loadDashboard();
  if (tab.dataset.tab === "admin") loadAdmin();
}));

// --- review queue --------------------------------------------------------------------------------

async function loadProcedures() {
  state.procedures = await api("/staff/api/procedures").catch(() => []);
  const list = $("procedure-list");
  list.replaceChildren(...state.procedures.map((p) => {
    const option = document.createElement("option");
    option.value = `${p.code} – ${p.name}`;
    return option;
  }));
}

async function loadQueue(keepDetail = false) {
  const items = await api(`/staff/api/queue?status=${encodeURIComponent($("queue-status").value)}`);
  $("queue-count").textContent = `${items.length} nhóm câu hỏi`;
  const body = $("queue-table").querySelector("tbody");
  body.replaceChildren(...items.map((item) => {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    row.append(el("td", item.text), reasonCell(item.reason), el("td", String(item.count)),
      el("td", CHANNELS[item.channel] || item.channel), el("td", when(item.last_seen)),
      el("td", STATES[item.status] || item.status));
    row.classList.toggle("selected", item.id === state.selected);
    row.addEventListener("click", () => openItem(item.id));
    return row;
  }));
  // After an action the item may leave this list; its panel stays open so staff can still reply to it.
  if (!keepDetail && !items.some((item) => item.id === state.selected)) $("detail").hidden = true;
}

function reasonCell(reason) {
  const cell = document.createElement("td");
  cell.append(el("span", REASONS[reason] || reason, `badge ${reason}`));
  return cell;
}

async function openItem(id) {
  const item = await api(`/staff/api/queue/${id}`);
  state.selected = id;
  document.querySelectorAll("#queue-table tbody tr").forEach((r) => r.classList.toggle("selected", Number(r.dataset.id) === id));
  $("detail").hidden = false;
  $("detail-text").textContent = item.text;
  $("detail-reason").textContent = REASONS[item.reason] || item.reason;
  $("detail-count").textContent = item.count;
  $("detail-status").textContent = STATES[item.status] || item.status;
  $("detail-channel").textContent = CHANNELS[item.channel] || item.channel;
  $("detail-guess").textContent = item.procedure
    ? ` · trợ lý đoán: ${item.procedure}${item.procedure_name ? " – " + item.procedure_name : ""}` : "";
  $("detail-turns").replaceChildren(...item.turns.map(turnLine));  // impact.js: with why this answer
  $("link-impact").hidden = true;
  $("link-text").value = item.text;
  $("link-procedure").value = "";
  $("faq-answer").value = "";
  $("reply-text").value = "";
  result("");
}

async function refreshStatus() {
  const item = await api(`/staff/api/queue/${state.selected}`);
  $("detail-status").textContent = STATES[item.status] || item.status;
}

function result(message, ok = true) {
  const node = $("action-result");
  node.textContent = message;
  node.className = message ? (ok ? "ok" : "error") : "";
}

// What the reload after a staff edit achieved ("index" in the answer): a failure is shown as an error.
function reloadNote(saved, index) {
  if (index === "failed") {
    throw new Error(`${saved}, nhưng trợ lý CHƯA cập nhật được (máy chủ trợ lý không phản hồi hoặc dữ liệu lỗi); báo quản trị kiểm tra.`);
  }
  return `${saved} (${index === "updated" ? "trợ lý đã cập nhật" : "trợ lý sẽ cập nhật trong vài giây"})`;
}

function chosenCode() {
  const match = $("link-procedure").value.trim().match(/^(\d\.\d{6})/);
  if (!match) throw new Error("Chọn một thủ tục trong danh sách (mã dạng 1.013225).");
  return match[1];
}

async function act(button, work) {
  button.disabled = true;
  try {
    const message = await work();
    await loadQueue(true);
    await refreshStatus();
    result(message, true);
  } catch (error) {
    result(error.message, false);
  } finally {
    button.disabled = false;
  }
}

$("faq-submit").addEventListener("click", (event) => act(event.target, async () => {
  const done = await api(`/staff/api/queue/${state.selected}/faq`, {
    method: "POST", body: { procedure: chosenCode(), answer: $("faq-answer").value },
  });
  return `${reloadNote("Đã lưu câu trả lời vào thủ tục", done.index)}.`;
}));

$("reply-submit").addEventListener("click", (event) => act(event.target, async () => {
  await api(`/staff/api/queue/${state.selected}/reply`, { method: "POST", body: { text: $("reply-text").value } });
  return "Đã gửi trả lời tới người dân.";
}));

$("ignore-submit").addEventListener("click", (event) => act(event.target, async () => {
  await api(`/staff/api/queue/${state.selected}/status`, { method: "POST", body: { status: "ignored" } });
  return "Đã bỏ qua: câu hỏi này sẽ không hiện lại trong danh sách mới.";
}));

$("queue-status").addEventListener("change", () => loadQueue());
$("queue-refresh").addEventListener("click", () => loadQueue());

// --- short titles --------------------------------------------------------------------------------

function titleProcedure() {
  const match = $("title-procedure").value.trim().match(/^(\d\.\d{6})/);
  return match ? state.procedures.find((p) => p.code === match[1]) : undefined;
}

function showTitle() {
  const procedure = titleProcedure();
  $("title-name").textContent = procedure ? procedure.name : "";
  $("title-short").value = procedure ? procedure.short_title : "";
}

$("title-procedure").addEventListener("input", showTitle);
$("title-procedure").addEventListener("change", showTitle);

$("title-form").addEventListener("submit", (event) => {
  event.preventDefault();
  publishTitle($("title-submit"));  // impact.js: refused with the impact when confirmed questions would break
});

// --- dashboard -----------------------------------------------------------------------------------

function shortName(procedure) {
  const name = procedure.name.length > 38 ? `${procedure.name.slice(0, 36)}…` : procedure.name;
  return name ? `${procedure.code} ${name}` : procedure.code;
}

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options || {}) };
  state.charts[id] = new window.Chart($(id), config);
}

async function loadDashboard() {
  const days = $("dash-days").value;
  $("dash-csv").href = `/staff/api/dashboard.csv?days=${days}`;
  const data = await api(`/staff/api/dashboard?days=${days}`);
  const t = data.totals;
  $("kpi-questions").textContent = t.questions;
  $("kpi-rate").textContent = t.answer_rate === null ? "–" : `${Math.round(t.answer_rate * 100)}%`;
  $("kpi-online").textContent = t.online_guide;
  $("kpi-feedback").textContent = `${t.feedback_good} / ${t.feedback_bad}`;
  const labels = data.days.map((d) => d.day.slice(5).split("-").reverse().join("/"));
  chart("chart-daily", {
    data: { labels, datasets: [
      { type: "bar", label: "Câu hỏi", data: data.days.map((d) => d.questions), backgroundColor: "#0b5cab", yAxisID: "y" },
      { type: "bar", label: "Trả lời được", data: data.days.map((d) => d.answered), backgroundColor: "#1b9e77", yAxisID: "y" },
      { type: "line", label: "Tỷ lệ trả lời được (%)", yAxisID: "rate", borderColor: "#d95f02", backgroundColor: "#d95f02",
        data: data.days.map((d) => (d.answer_rate === null ? null : Math.round(d.answer_rate * 100))), spanGaps: true },
    ] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
      rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } },
  });
  chart("chart-procedures", {
    type: "bar",
    data: { labels: data.procedures.map((p) => shortName(p)),
      datasets: [{ label: "Lượt trả lời", data: data.procedures.map((p) => p.count), backgroundColor: "#7570b3" }] },
    options: { indexAxis: "y", plugins: { legend: { display: false },
      tooltip: { callbacks: { afterLabel: (ctx) => data.procedures[ctx.dataIndex].name } } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  chart("chart-channels", {
    type: "doughnut",
    data: { labels: data.channels.map((c) => CHANNELS[c.channel] || c.channel),
      datasets: [{ data: data.channels.map((c) => c.count), backgroundColor: COLORS }] },
  });
  chart("chart-online", {
    type: "line",
    data: { labels, datasets: [{ label: "Lượt mở hướng dẫn", data: data.days.map((d) => d.online_guide),
      borderColor: "#1b9e77", backgroundColor: "rgba(27,158,119,.2)", fill: true }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  chart("chart-feedback", {
    type: "bar",
    data: { labels, datasets: [
      { label: "Hữu ích", data: data.days.map((d) => d.feedback_good), backgroundColor: "#66a61e" },
      { label: "Chưa đúng", data: data.days.map((d) => d.feedback_bad), backgroundColor: "#e7298a" },
    ] },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

$("dash-days").addEventListener("change", loadDashboard);

// --- administration ------------------------------------------------------------------------------

async function loadAdmin() {
  const [users, audit] = await Promise.all([api("/staff/api/users"), api("/staff/api/audit?limit=100")]);
  $("users-table").querySelector("tbody").replaceChildren(...users.map((u) => {
    const row = document.createElement("tr");
    row.dataset.username = u.username;
    const actions = document.createElement("td");
    if (u.username !== state.user.username) {
      const toggle = el("button", u.active ? "Khóa" : "Mở khóa", "secondary");
      toggle.type = "button";
      toggle.addEventListener("click", () => setActive(u.username, !u.active));
      actions.append(toggle);
    }
    row.append(el("td", u.username), el("td", u.role === "admin" ? "Quản trị" : "Cán bộ"),
      el("td", u.active ? "Đang dùng" : "Đã khóa"), el("td", when(u.created_at)), actions);
    return row;
  }));
  $("reset-user").replaceChildren(...users.map((u) => {
    const option = document.createElement("option");
    option.value = u.username;
    option.textContent = u.username;
    return option;
  }));
  $("audit-table").querySelector("tbody").replaceChildren(...audit.map((a) => {
    const row = document.createElement("tr");
    row.append(el("td", when(a.at)), el("td", a.username), el("td", a.action), el("td", a.target || ""));
    return row;
  }));
}

$("user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/staff/api/users", { method: "POST", body: {
      username: $("user-name").value, password: $("user-password").value, role: $("user-role").value } });
    $("user-result").textContent = "Đã thêm tài khoản.";
    event.target.reset();
    loadAdmin();
  } catch (error) {
    $("user-result").textContent = error.message;
  }
});

async function setActive(username, active) {
  try {
    await api(`/staff/api/users/${encodeURIComponent(username)}/active`, { method: "POST", body: { active } });
    $("user-result").textContent = active ? `Đã mở khóa ${username}.` : `Đã khóa ${username}; các phiên đăng nhập của tài khoản này đã kết thúc.`;
  } catch (error) {
    $("user-result").textContent = error.message;
  }
  loadAdmin();
}

$("reset-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("reset-user").value;
  try {
    await api(`/staff/api/users/${encodeURIComponent(username)}/password`, {
      method: "POST", body: { password: $("reset-password").value } });
    $("reset-result").textContent = `Đã đặt lại mật khẩu cho ${username}.`;
    event.target.reset();
    if (username === state.user.username) showLogin();
    else loadAdmin();
  } catch (error) {
    $("reset-result").textContent = error.message;
  }
});

$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if ($("password-new").value !== $("password-repeat").value) {
    $("password-result").textContent = "Hai lần nhập mật khẩu mới không khớp.";
    return;
  }
  try {
    const me = await api("/staff/api/password", { method: "POST", body: {
      current_password: $("password-current").value, new_password: $("password-new").value } });
    state.csrf = me.csrf_token;
    event.target.reset();
    $("password-result").textContent = "Đã đổi mật khẩu.";
  } catch (error) {
    $("password-result").textContent = error.message === "current password is wrong"
      ? "Mật khẩu hiện tại không đúng." : error.message;
  }
});

// --- start ---------------------------------------------------------------------------------------

api("/staff/api/me").then(showApp).catch(showLogin);
