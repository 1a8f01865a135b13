// What a change will do before it goes live (impact check), confirmed questions, and why each answer was given.
// Uses api(), $, el, when() and state of console.js (loaded first). Citizens' texts go in through textContent.
"use strict";

const OUTCOMES = { other_agency: "Cơ quan khác", not_answerable: "Không trả lời được" };
const SOURCES = {
  link: "Gắn vào thủ tục", faq: "Câu trả lời FAQ", helpful: "Người dân thấy hữu ích", not_ours: "Không thuộc Sở",
  staff: "Cán bộ thêm", history: "Lịch sử xử lý",
};
const LIST_MAX = 20;

function outcomeName(code) {
  if (OUTCOMES[code]) return OUTCOMES[code];
  const procedure = state.procedures.find((p) => p.code === code);
  return procedure ? `${code} – ${procedure.short_title}` : code;
}

function impactList(title, entries, line, className) {
  const nodes = [el("h4", `${title} (${entries.length})`, className)];
  if (!entries.length) return nodes;
  const list = el("ul");
  entries.slice(0, LIST_MAX).forEach((entry) => list.append(el("li", line(entry), className)));
  if (entries.length > LIST_MAX) list.append(el("li", `… và ${entries.length - LIST_MAX} câu khác`));
  nodes.push(list);
  return nodes;
}

// Shows an impact in `box`; with `publish`, a change that answers confirmed questions wrongly can still be
// published, but only after ticking a box that names how many.
function renderImpact(box, impact, publish) {
  const n = impact.regressions.length;
  box.classList.toggle("has-regressions", n > 0);
  const nodes = [el("p", `Đã kiểm tra ${impact.checked} câu hỏi (câu đã xác nhận và câu của người dân 30 ngày qua): `
    + `${impact.changed.length} câu đổi câu trả lời, ${n} câu đã xác nhận sẽ bị trả lời sai, `
    + `${impact.newly_answered.length} câu sẽ được trả lời mới.`, "impact-summary")];
  nodes.push(...impactList("Câu đã xác nhận sẽ bị trả lời sai", impact.regressions,
    (r) => `“${r.text}” — đúng là: ${r.expected_name || r.before_name}; sau thay đổi: ${r.after_name}`, "regression"));
  nodes.push(...impactList("Câu trả lời thay đổi", impact.changed,
    (c) => `“${c.text}”: ${c.before_name} → ${c.after_name}`));
  nodes.push(...impactList("Câu sẽ được trả lời mới", impact.newly_answered,
    (c) => `“${c.text}”: ${c.after_name}`));
  if (publish && n > 0) {
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.id = `${box.id}-confirm`;
    const label = el("label", null, "confirm");
    label.append(tick, el("span", `Tôi đã xem: ${n} câu hỏi đã xác nhận sẽ bị trả lời sai, và vẫn muốn xuất bản.`));
    const go = el("button", `Vẫn xuất bản (${n} câu sai)`);
    go.type = "button";
    go.id = `${box.id}-publish`;
    go.disabled = true;
    tick.addEventListener("change", () => { go.disabled = !tick.checked; });
    go.addEventListener("click", () => publish(n, go));
    nodes.push(label, go);
  }
  box.replaceChildren(...nodes);
  box.hidden = false;
}

async function previewImpact(box, change) {
  box.hidden = false;
  box.replaceChildren(el("p", "Đang kiểm tra ảnh hưởng…", "muted"));
  const impact = await api("/staff/api/impact", { method: "POST", body: { change } });
  renderImpact(box, impact);
  return impact;
}

// A publish refused because of regressions (409 with the impact): show them and offer the confirmation.
function refusedForRegressions(error, box, publish) {
  if (!error.data || !error.data.impact) return false;
  renderImpact(box, error.data.impact, publish);
  return true;
}

// --- review queue: link, not ours, why ------------------------------------------------------------

function linkChange() {
  return { kind: "alias", procedure: chosenCode(), text: $("link-text").value.trim() || $("detail-text").textContent };
}

async function publishLink(button, confirmed) {
  await act(button, async () => {
    const body = { procedure: chosenCode(), text: $("link-text").value };
    if (confirmed !== undefined) body.confirm_regressions = confirmed;
    let done;
    try {
      done = await api(`/staff/api/queue/${state.selected}/link`, { method: "POST", body });
    } catch (error) {
      if (refusedForRegressions(error, $("link-impact"), (n, go) => publishLink(go, n))) {
        throw new Error(`Chưa gắn: ${error.data.impact.regressions.length} câu hỏi đã xác nhận sẽ bị trả lời sai. `
          + "Xem danh sách bên dưới; đánh dấu xác nhận nếu vẫn muốn xuất bản.");
      }
      throw error;
    }
    $("link-impact").hidden = true;
    return `${reloadNote("Đã gắn vào thủ tục", done.index)}; ${done.nlu_examples} câu mẫu cho lần huấn luyện sau.`;
  });
}

$("link-submit").addEventListener("click", (event) => publishLink(event.target));
$("link-preview").addEventListener("click", async (event) => {
  event.target.disabled = true;
  try {
    await previewImpact($("link-impact"), linkChange());
    result("");
  } catch (error) {
    $("link-impact").hidden = true;
    result(error.message, false);
  } finally {
    event.target.disabled = false;
  }
});

for (const [id, expected, note] of [["not-ours-agency", "other_agency", "thủ tục của cơ quan khác"],
  ["not-ours-none", "not_answerable", "trợ lý không thể trả lời"]]) {
  $(id).addEventListener("click", (event) => act(event.target, async () => {
    await api(`/staff/api/queue/${state.selected}/not_ours`, { method: "POST", body: { expected } });
    return `Đã ghi nhận: ${note}. Câu hỏi được thêm vào danh sách câu hỏi đã xác nhận.`;
  }));
}

function score(value) {
  return Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
}

function turnLine(turn) {
  const line = el("li", `${when(turn.at)} · ${CHANNELS[turn.channel] || turn.channel}: ${turn.text}`);
  const why = turn.why;
  if (!why) return line;
  const parts = [`Vì sao: ${why.label}`];
  if (why.candidates.length) {
    parts.push(`ứng viên: ${why.candidates.map((c) => `${c.code} ${c.in_scope ? "" : "(cơ quan khác) "}${score(c.score)}`).join(", ")}`);
  }
  if (why.words.length) parts.push(`từ quyết định: ${why.words.join(", ")}`);
  line.append(el("span", parts.join(" · "), "why"));
  return line;
}

// --- short titles ----------------------------------------------------------------------------------

async function publishTitle(button, confirmed) {
  const node = $("title-result");
  const procedure = titleProcedure();
  button.disabled = true;
  try {
    if (!procedure) throw new Error("Chọn một thủ tục trong danh sách (mã dạng 1.013225).");
    const body = { short_title: $("title-short").value };
    if (confirmed !== undefined) body.confirm_regressions = confirmed;
    let done;
    try {
      done = await api(`/staff/api/procedures/${procedure.code}/short_title`, { method: "POST", body });
    } catch (error) {
      if (refusedForRegressions(error, $("title-impact"), (n, go) => publishTitle(go, n))) {
        throw new Error(`Chưa lưu: ${error.data.impact.regressions.length} câu hỏi đã xác nhận sẽ bị trả lời sai.`);
      }
      throw error;
    }
    Object.assign(procedure, done);
    $("title-short").value = done.short_title;
    $("title-impact").hidden = true;
    node.textContent = `${reloadNote(`Đã lưu tên ngắn: ${done.short_title}`, done.index)}.`;
    node.className = "ok";
  } catch (error) {
    node.textContent = error.message;
    node.className = "error";
  } finally {
    button.disabled = false;
  }
}

$("title-preview").addEventListener("click", async () => {
  const procedure = titleProcedure();
  const node = $("title-result");
  try {
    if (!procedure) throw new Error("Chọn một thủ tục trong danh sách (mã dạng 1.013225).");
    await previewImpact($("title-impact"), { kind: "short_title", procedure: procedure.code, short_title: $("title-short").value });
    node.textContent = "";
  } catch (error) {
    $("title-impact").hidden = true;
    node.textContent = error.message;
    node.className = "error";
  }
});

// --- confirmed questions ---------------------------------------------------------------------------

function expectedValue(text) {
  const value = text.trim();
  const named = Object.entries(OUTCOMES).find(([, label]) => label.toLowerCase() === value.toLowerCase());
  if (named) return named[0];
  const match = value.match(/^(\d\.\d{6})/);
  return match ? match[1] : value;
}

function fillExpectedList() {
  $("expected-list").replaceChildren(...[...Object.values(OUTCOMES), ...state.procedures.map((p) => `${p.code} – ${p.short_title}`)]
    .map((label) => { const option = document.createElement("option"); option.value = label; return option; }));
}

function confirmedNote(message, ok) {
  $("confirmed-result").textContent = message;
  $("confirmed-result").className = ok ? "ok" : "error";
}

async function loadConfirmed() {
  fillExpectedList();
  loadHelpful().catch((error) => confirmedNote(error.message, false));
  const rows = await api("/staff/api/confirmed");
  $("confirmed-table").querySelector("tbody").replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.dataset.id = row.id;
    const expected = document.createElement("input");
    expected.value = outcomeName(row.expected);
    expected.setAttribute("list", "expected-list");
    const cell = el("td");
    const save = el("button", "Lưu", "secondary");
    save.type = "button";
    save.addEventListener("click", async () => {
      try {
        await api(`/staff/api/confirmed/${row.id}`, { method: "POST", body: { expected: expectedValue(expected.value) } });
        confirmedNote("Đã lưu.", true);
        loadConfirmed();
      } catch (error) { confirmedNote(error.message, false); }
    });
    const remove = el("button", "Xóa", "secondary");
    remove.type = "button";
    remove.addEventListener("click", async () => {
      try {
        await api(`/staff/api/confirmed/${row.id}/delete`, { method: "POST", body: {} });
        confirmedNote("Đã xóa.", true);
        loadConfirmed();
      } catch (error) { confirmedNote(error.message, false); }
    });
    const expectedCell = el("td");
    expectedCell.append(expected);
    cell.append(save, " ", remove);
    tr.append(el("td", row.text), expectedCell, el("td", SOURCES[row.source] || row.source), el("td", when(row.created)), cell);
    return tr;
  }));
}

async function loadHelpful() {
  const rows = await api("/staff/api/helpful");
  $("helpful-table").querySelector("tbody").replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    const approve = el("button", "Duyệt", "secondary");
    approve.type = "button";
    approve.addEventListener("click", async () => {
      try {
        await api(`/staff/api/turns/${row.turn_id}/approve`, { method: "POST", body: {} });
        confirmedNote("Đã duyệt: câu hỏi được thêm vào danh sách đã xác nhận.", true);
        loadConfirmed();
      } catch (error) { confirmedNote(error.message, false); }
    });
    const cell = el("td");
    cell.append(approve);
    tr.append(el("td", row.text), el("td", outcomeName(row.procedure)), el("td", when(row.at)), cell);
    return tr;
  }));
}

$("confirmed-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/staff/api/confirmed", { method: "POST", body: {
      text: $("confirmed-text").value, expected: expectedValue($("confirmed-expected").value) } });
    event.target.reset();
    confirmedNote("Đã thêm câu hỏi đã xác nhận.", true);
    loadConfirmed();
  } catch (error) { confirmedNote(error.message, false); }
});

$("tab-confirmed").addEventListener("click", () => loadConfirmed().catch((error) => confirmedNote(error.message, false)));
