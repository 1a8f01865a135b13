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
  // The walkthrough's steps in the chart with their cohort rates; links opened and receipt codes apart, as counts.
  const chain = data.steps.filter((s) => !s.apart);
  const labels = chain.map((s) => (s.rate === null ? s.label : `${s.label} (${percent(s.rate)})`));
  chart("chart-funnel", {
    type: "bar",
    data: { labels, datasets: [{ label: "Số người dân", data: chain.map((s) => s.count),
      backgroundColor: chain.map((s) => (s.step === "payment" ? "#7570b3" : "#0b5cab")) }] },
    options: { indexAxis: "y", plugins: { legend: { display: false },
      tooltip: { callbacks: { afterLabel: (ctx) => chain[ctx.dataIndex].meaning } } },
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
  $("funnel-table").querySelector("tbody").replaceChildren(...[...chain, ...data.steps.filter((s) => s.apart)].map((s) => {
    const row = el("tr", undefined, s.apart ? "apart" : undefined);
    row.dataset.step = s.step;
    row.append(el("td", s.label), el("td", String(s.count)),
      el("td", s.apart ? "đếm riêng (ngoài các bước hướng dẫn)" : percent(s.rate)), el("td", s.meaning, "muted"));
    return row;
  }));
  showReminders(data.reminders);
}

function showReminders(reminders) {
  const head = $("reminder-table").querySelector("thead tr");
  head.replaceChildren(el("th", "Thủ tục"), el("th", "Kênh"), ...reminders.steps.map((s) => el("th", s.label)));
  const rows = reminders.rows.map((r) => {
    const row = el("tr");
    row.append(el("td", r.name ? `${r.procedure} ${r.name.slice(0, 50)}` : r.procedure), el("td", CHANNELS[r.channel] || r.channel),
      ...reminders.steps.map((s) => el("td", String(r[s.step]))));
    return row;
  });
  const total = el("tr", undefined, "total");
  total.append(el("td", "Tất cả"), el("td", ""), ...reminders.steps.map((s) => el("td", String(reminders.totals[s.step] || 0))));
  $("reminder-table").querySelector("tbody").replaceChildren(...rows, total);
  $("reminder-holdout").replaceChildren(...reminders.comparisons.map((c) => {
    const item = el("li", `${c.label}: được mời ${c.offered.reached}/${c.offered.citizens} (${percent(c.offered.rate)}), `
      + `đối chứng ${c.held_out.reached}/${c.held_out.citizens} (${percent(c.held_out.rate)}). ${c.verdict}`);
    item.dataset.outcome = c.outcome;
    return item;
  }));
  $("reminder-outcomes").replaceChildren(...(reminders.outcomes.length ? reminders.outcomes.map((o) =>
    el("li", `${o.label}: ${o.count}${o.reason ? ` (${o.reason})` : ""}`)) : [el("li", "Chưa có.", "muted")]));
}

$("tab-funnel").addEventListener("click", () => loadFunnel().catch((e) => { $("funnel-counting").textContent = e.message; }));
funnelFilters.forEach((id) => $(id).addEventListener("change", () => loadFunnel().catch((e) => {
  $("funnel-counting").textContent = e.message;
})));
