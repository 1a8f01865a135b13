// The online-filing funnel tab. Uses api(), $, el, chart() and CHANNELS of console.js (loaded first).
"use strict";

const funnelFilters = ["funnel-start", "funnel-end", "funnel-procedure", "funnel-channel"];

function funnelQuery() {
  const params = new URLSearchParams();
  const [start, end, procedure, channel] = funnelFilters.map((id) => $(id).value);
  if (start) params.set("start", start);
  if (end) params.set("end", end);
  if (procedure) params.set("procedure", procedure);
  if (channel) params.set("channel", channel);
  return params.toString();
}

function percent(rate) {
  return rate === null ? "–" : `${Math.round(rate * 1000) / 10}%`;
}

function fillSelect(select, options, allLabel) {
  const chosen = select.value;
  select.replaceChildren(el("option", allLabel));
  select.firstChild.value = "";
  for (const [value, label] of options) {
    const option = el("option", label);
    option.value = value;
    select.appendChild(option);
  }
  // A filter chosen before stays chosen even when the period no longer holds it.
  if (chosen && ![...select.options].some((o) => o.value === chosen)) {
    const option = el("option", chosen);
    option.value = chosen;
    select.appendChild(option);
  }
  select.value = chosen;
}

async function loadFunnel() {
  const query = funnelQuery();
  $("funnel-csv").href = `/staff/api/funnel.csv${query ? `?${query}` : ""}`;
  const data = await api(`/staff/api/funnel${query ? `?${query}` : ""}`);
  if (!$("funnel-start").value) $("funnel-start").value = data.start;
  if (!$("funnel-end").value) $("funnel-end").value = data.end;
  fillSelect($("funnel-procedure"), data.procedures.map((p) => [p.code, p.name ? `${p.code} ${p.name.slice(0, 60)}` : p.code]),
    "Tất cả thủ tục");
  fillSelect($("funnel-channel"), data.channels.map((c) => [c, CHANNELS[c] || c]), "Tất cả các kênh");
  $("funnel-counting").textContent = data.counting;
  const labels = data.steps.map((s) => (s.rate === null ? s.label : `${s.label} (${percent(s.rate)})`));
  chart("chart-funnel", {
    type: "bar",
    data: { labels, datasets: [{ label: "Số người dân", data: data.steps.map((s) => s.count),
      backgroundColor: data.steps.map((s) => (s.step === "receipt" ? "#d95f02" : s.step === "payment" ? "#7570b3" : "#0b5cab")) }] },
    options: { indexAxis: "y", plugins: { legend: { display: false },
      tooltip: { callbacks: { afterLabel: (ctx) => data.steps[ctx.dataIndex].meaning } } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  chart("chart-funnel-weeks", {
    type: "bar",
    data: { labels: data.weeks.map((w) => `Tuần từ ${w.week.slice(5).split("-").reverse().join("/")}`), datasets: [
      { label: "Hoàn thành hướng dẫn", data: data.weeks.map((w) => w.finished), backgroundColor: "#1b9e77" },
      { label: "Báo mã hồ sơ (tự báo)", data: data.weeks.map((w) => w.receipt), backgroundColor: "#d95f02" },
    ] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  $("funnel-table").querySelector("tbody").replaceChildren(...data.steps.map((s) => {
    const row = el("tr");
    row.dataset.step = s.step;
    row.append(el("td", s.label), el("td", String(s.count)), el("td", percent(s.rate)), el("td", s.meaning, "muted"));
    return row;
  }));
}

$("tab-funnel").addEventListener("click", () => loadFunnel().catch((e) => { $("funnel-counting").textContent = e.message; }));
funnelFilters.forEach((id) => $(id).addEventListener("change", () => loadFunnel().catch((e) => {
  $("funnel-counting").textContent = e.message;
})));
