// The warehouse report: the KPI views and the latest run's health as one self-contained HTML page.
// readReportData reads the marts schema only, as an analyst (so opted-out users are never counted);
// renderReport is pure: inline CSS and inline SVG drawn here, no script, font, image or stylesheet
// fetched when the page is opened. Every number a chart shows is also in data-* attributes
// (data-chart on each figure, data-series / data-x / data-value on each mark, data-kpi on headline
// numbers), so a test can read exactly what a person sees.
import type { Sql } from "postgres";
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Data: rows of the marts views, validated
// ---------------------------------------------------------------------------------------------

const count = z
  .union([z.number(), z.bigint(), z.string().regex(/^-?\d+$/)])
  .transform((v) => Number(v))
  .pipe(z.number().int().nonnegative());
const decimal = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)])
  .transform((v) => Number(v))
  .pipe(z.number().finite());
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date (YYYY-MM-DD)");
const instant = z.date().transform((d) => d.toISOString());

const activeUsersRow = z.object({
  activity_date: day,
  dau: count,
  wau: count,
  mau: count,
  stickiness: decimal.nullable(),
});
const cohortRow = z.object({
  cohort_week: day,
  weeks_since_signup: count,
  cohort_size: count,
  retained_users: count,
  retention_rate: decimal,
});
const funnelRow = z.object({
  week: day,
  auth_method: z.string(),
  login_attempts: count,
  login_successes: count,
  login_failures: count,
  failure_rate: decimal.nullable(),
  token_refreshes: count,
});
const movementRow = z.object({ week: day, from_stage: z.string(), to_stage: z.string(), users: count });
const distributionRow = z.object({ lifecycle_stage: z.string().nullable(), user_count: count, pct: decimal });
const adoptionRow = z.object({ preferred_auth_method: z.string().nullable(), user_count: count });
const runRow = z.object({
  run_id: count,
  status: z.string(),
  full_refresh: z.boolean(),
  started_at: instant,
  finished_at: instant.nullable(),
  failing_tests: z.array(z.string()),
  tests_run: count,
  tests_passed: count,
  tests_warned: count,
});
const freshnessRow = z.object({ test_name: z.string(), status: z.string(), message: z.string().nullable(), checked_at: instant });
const layerRow = z.object({ layer: z.string(), row_count: count });
const vaccinationRow = z.object({ species: z.string(), pet_count: count, up_to_date_count: count, overdue_count: count, no_record_count: count, up_to_date_share: decimal });
const featureAdoptionRow = z.object({ feature_name: z.string(), users_last_30_days: count, active_users_last_30_days: count, adoption_rate: decimal.nullable() });

export type ActiveUsersRow = z.infer<typeof activeUsersRow>;
export type CohortRow = z.infer<typeof cohortRow>;
export type FunnelRow = z.infer<typeof funnelRow>;
export type MovementRow = z.infer<typeof movementRow>;
export type DistributionRow = z.infer<typeof distributionRow>;
export type AdoptionRow = z.infer<typeof adoptionRow>;
export type RunRow = z.infer<typeof runRow>;
export type FreshnessRow = z.infer<typeof freshnessRow>;
export type LayerRow = z.infer<typeof layerRow>;
export type VaccinationRow = z.infer<typeof vaccinationRow>;
export type FeatureAdoptionRow = z.infer<typeof featureAdoptionRow>;

export interface ReportData {
  activeUsers: ActiveUsersRow[];
  cohortRetention: CohortRow[];
  authFunnel: FunnelRow[];
  lifecycleMovement: MovementRow[];
  lifecycleDistribution: DistributionRow[];
  authMethodAdoption: AdoptionRow[];
  /** Pets: share of pets up to date on vaccines, by species (marts.kpi_vaccination_compliance). */
  vaccinationCompliance: VaccinationRow[];
  /** Product: users of each feature in the last 30 days (marts.kpi_feature_adoption). */
  featureAdoption: FeatureAdoptionRow[];
  health: {
    /** The most recent runs (skipped runs left out), newest first. */
    runs: RunRow[];
    freshness: FreshnessRow[];
    layerRows: LayerRow[];
    /** Why rows per layer could not be read (the analyst lacks a privilege); null when they were. */
    layerRowsUnavailable: string | null;
  };
}

function parseRows<S extends z.ZodType>(view: string, schema: S, rows: readonly unknown[]): Array<z.output<S>> {
  return rows.map((row, i) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`marts.${view} row ${i + 1}: ${issue.path.join(".") || "(row)"}: ${issue.message}`);
    }
    return parsed.data;
  });
}

/** Reads every view the report shows, in one read-only snapshot, as analyst_role with marts on the search path. */
export async function readReportData(sql: Sql, opts: { recentRuns?: number } = {}): Promise<ReportData> {
  const recentRuns = opts.recentRuns ?? 20;
  return (await sql.begin("isolation level repeatable read read only", async (tx) => {
    await tx`set local role analyst_role`;
    await tx`set local search_path = marts`;
    const activeUsers = parseRows("kpi_active_users", activeUsersRow, await tx`
        select activity_date::text as activity_date, dau, wau, mau, stickiness
        from marts.kpi_active_users
        order by activity_date`);
    const cohortRetention = parseRows("kpi_signup_cohort_retention", cohortRow, await tx`
        select cohort_week::text as cohort_week, weeks_since_signup, cohort_size, retained_users, retention_rate
        from marts.kpi_signup_cohort_retention
        order by cohort_week, weeks_since_signup`);
    const authFunnel = parseRows("kpi_auth_funnel", funnelRow, await tx`
        select week::text as week, auth_method, login_attempts, login_successes, login_failures, failure_rate, token_refreshes
        from marts.kpi_auth_funnel
        order by week, auth_method`);
    const lifecycleMovement = parseRows("kpi_lifecycle_movement", movementRow, await tx`
        select week::text as week, from_stage, to_stage, users
        from marts.kpi_lifecycle_movement
        order by week, from_stage, to_stage`);
    const lifecycleDistribution = parseRows("kpi_lifecycle_distribution", distributionRow, await tx`
        select lifecycle_stage, user_count, pct
        from marts.kpi_lifecycle_distribution`);
    const authMethodAdoption = parseRows("kpi_auth_method_adoption", adoptionRow, await tx`
        select preferred_auth_method, user_count
        from marts.kpi_auth_method_adoption
        order by user_count desc, preferred_auth_method`);
    const vaccinationCompliance = parseRows("kpi_vaccination_compliance", vaccinationRow, await tx`
        select species, pet_count, up_to_date_count, overdue_count, no_record_count, up_to_date_share
        from marts.kpi_vaccination_compliance
        order by pet_count desc, species`);
    const featureAdoption = parseRows("kpi_feature_adoption", featureAdoptionRow, await tx`
        select feature_name, users_last_30_days, active_users_last_30_days, adoption_rate
        from marts.kpi_feature_adoption
        order by users_last_30_days desc, feature_name`);
    const runs = parseRows("pipeline_health", runRow, await tx`
        select run_id, status, full_refresh, started_at, finished_at, failing_tests, tests_run, tests_passed, tests_warned
        from marts.pipeline_health
        order by run_id desc
        limit ${recentRuns}`);
    const freshness = parseRows("pipeline_freshness", freshnessRow, await tx`
        select test_name, status, message, checked_at
        from marts.pipeline_freshness
        order by test_name`);
    // Rows per layer read the catalogue behind the view; should a deployment's grants keep the analyst
    // from it, the panel says so (and npm run report warns) rather than the whole report failing.
    let layerRows: LayerRow[] = [];
    let layerRowsUnavailable: string | null = null;
    try {
      layerRows = parseRows("pipeline_layer_rows", layerRow, await tx.savepoint((sp) => sp`
          select layer, row_count
          from marts.pipeline_layer_rows`));
    } catch (err) {
      if ((err as { code?: string }).code !== "42501") throw err;
      layerRowsUnavailable = `analyst_role cannot read marts.pipeline_layer_rows: ${(err as Error).message}`;
    }
    return {
      activeUsers,
      cohortRetention,
      authFunnel,
      lifecycleMovement,
      lifecycleDistribution,
      authMethodAdoption,
      vaccinationCompliance,
      featureAdoption,
      health: { runs, freshness, layerRows, layerRowsUnavailable },
    };
  })) as ReportData;
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers
// ---------------------------------------------------------------------------------------------

const htmlEntities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => htmlEntities[c]);
}

/** Escaped, with line-break opportunities after underscores (long snake_case test names). */
const breakable = (name: string) => escapeHtml(name).replace(/_/g, "_<wbr>");
const fmt = (n: number) => n.toLocaleString("en-US");
const pct = (ratio: number, digits = 1) => `${(ratio * 100).toFixed(digits)}%`;
const r1 = (n: number) => Math.round(n * 10) / 10;

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const dayOf = (iso: string) => new Date(`${iso}T00:00:00Z`);
/** "25 Nov" */
const shortDate = (iso: string) => `${dayOf(iso).getUTCDate()} ${months[dayOf(iso).getUTCMonth()]}`;
/** "Wed 25 Nov 2026" */
const longDate = (iso: string) => {
  const d = dayOf(iso);
  return `${weekdays[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};
/** "2026-11-26 07:48 UTC" */
const stamp = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** A round number at or above v, for an axis top. */
function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}
function axis(max: number, ticks = 4): { top: number; step: number } {
  const step = niceCeil(max / ticks);
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `#${pa.map((v, i) => Math.round(v + (pb[i] - v) * Math.min(1, Math.max(0, t))).toString(16).padStart(2, "0")).join("")}`;
}
function isDark(hex: string): boolean {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55;
}

const palette = {
  dau: "#0f8b7e",
  wau: "#f08a4b",
  mau: "#6d5bd0",
  stickiness: "#d9467a",
  attempts: "#f6c9a6",
  successes: "#0f8b7e",
  heatLow: "#f1faf7",
  heatHigh: "#0b6e64",
};
const stageOrder = ["new", "active", "at_risk", "churned"];
const stageColor: Record<string, string> = { new: "#4b9fe1", active: "#1aa37a", at_risk: "#f0a202", churned: "#d9534f" };
const methodColors = ["#0f8b7e", "#6d5bd0", "#f08a4b", "#4b9fe1", "#d9467a", "#8a9a2b", "#7a6a5a"];
const statusTone: Record<string, string> = { succeeded: "good", pass: "good", skipped: "info", running: "info", warn: "warn", failed: "bad", fail: "bad", error: "bad" };

const label = (v: string) => v.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const noneLabel = "(none)";
const byStage = (a: string, b: string) => {
  const ia = stageOrder.indexOf(a);
  const ib = stageOrder.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
};

/** The figure around a chart: a heading, a one-line description, the chart, an optional legend and note. */
function figure(chart: string, title: string, subtitle: string, body: string, opts: { wide?: boolean; legend?: string; note?: string } = {}): string {
  return `
<figure class="card${opts.wide ? " wide" : ""}" data-chart="${chart}" aria-labelledby="${chart}-heading">
  <figcaption>
    <h2 id="${chart}-heading">${escapeHtml(title)}</h2>
    <p class="sub">${escapeHtml(subtitle)}</p>
  </figcaption>
  ${opts.legend ?? ""}
  ${body}
  ${opts.note ? `<p class="note">${escapeHtml(opts.note)}</p>` : ""}
</figure>`;
}

const empty = (what: string) => `<p class="empty">No ${escapeHtml(what)} yet: run the pipeline first.</p>`;

function legend(items: Array<{ label: string; color: string; shape?: "line" | "box" }>): string {
  return `<ul class="legend">${items
    .map((i) => `<li><span class="swatch ${i.shape ?? "line"}" style="background:${i.color}"></span>${escapeHtml(i.label)}</li>`)
    .join("")}</ul>`;
}

function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMidYMid meet">
  <title id="${id}-title">${escapeHtml(title)}</title>
  <desc id="${id}-desc">${escapeHtml(desc)}</desc>`;
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

interface LineSeries {
  key: string;
  label: string;
  color: string;
  values: Array<number | null>;
  format: (v: number) => string;
}

/** A line chart over days: one path and one point (a mark with data-*) per series and day. */
function lineChart(id: string, title: string, desc: string, days: string[], series: LineSeries[], opts: { partialLast: boolean; yFormat: (v: number) => string; width?: number; height?: number }): string {
  const W = opts.width ?? 760;
  const H = opts.height ?? 300;
  const m = { l: 52, r: 16, t: 14, b: 34 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const { top, step } = axis(max);
  const x = (i: number) => r1(m.l + (days.length <= 1 ? iw / 2 : (i * iw) / (days.length - 1)));
  const y = (v: number) => r1(m.t + ih - (v / top) * ih);
  const out = [svgOpen(id, W, H, title, desc)];
  out.push(`<g class="grid" aria-hidden="true">`);
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}"/><text class="tick" x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(opts.yFormat(v))}</text>`);
  }
  // a date label every two weeks, counted back from the newest day
  for (let i = days.length - 1; i >= 0; i -= 14) {
    out.push(`<line class="xtick" x1="${x(i)}" x2="${x(i)}" y1="${m.t + ih}" y2="${m.t + ih + 4}"/><text class="tick" x="${x(i)}" y="${H - 12}" text-anchor="middle">${escapeHtml(shortDate(days[i]))}</text>`);
  }
  out.push(`</g>`);
  const lastFull = opts.partialLast ? days.length - 2 : days.length - 1;
  for (const s of series) {
    // the line runs through complete days; today, still being counted, hangs off it dashed
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || i > lastFull) pen = false;
      else {
        d += `${pen ? "L" : "M"}${x(i)},${y(v)}`;
        pen = true;
      }
    });
    out.push(`<path class="line" d="${d}" stroke="${s.color}" aria-hidden="true"/>`);
    const last = s.values[days.length - 1];
    const prev = s.values[lastFull];
    if (opts.partialLast && lastFull >= 0 && last !== null && prev !== null) {
      out.push(`<path class="line partial" d="M${x(lastFull)},${y(prev)}L${x(days.length - 1)},${y(last)}" stroke="${s.color}" aria-hidden="true"/>`);
    }
    out.push(`<g class="points">`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      const partial = opts.partialLast && i === days.length - 1;
      out.push(
        `<circle class="pt${partial ? " partial" : ""}" cx="${x(i)}" cy="${y(v)}" r="${partial ? 3.5 : 1.9}" fill="${partial ? "#fff" : s.color}" stroke="${s.color}" data-series="${escapeHtml(s.key)}" data-x="${escapeHtml(days[i])}" data-value="${v}"><title>${escapeHtml(`${longDate(days[i])}${partial ? " (so far)" : ""} · ${s.label} ${s.format(v)}`)}</title></circle>`,
      );
    });
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return out.join("\n");
}

interface Bar {
  key: string;
  label: string;
  value: number;
  color: string;
  valueText: string;
  extra?: Record<string, string | number>;
}

/** Horizontal bars, one row each: label, bar (a mark with data-*), value. */
function barChart(id: string, title: string, desc: string, series: string, bars: Bar[]): string {
  const W = 560;
  const row = 40;
  const m = { l: 118, r: 150, t: 8, b: 8 };
  const H = m.t + m.b + row * bars.length;
  const iw = W - m.l - m.r;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const out = [svgOpen(id, W, H, title, desc)];
  bars.forEach((b, i) => {
    const yy = m.t + i * row;
    const w = r1((b.value / max) * iw);
    const extra = Object.entries(b.extra ?? {}).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join("");
    out.push(`<text class="lbl" x="${m.l - 10}" y="${yy + row / 2 + 4}" text-anchor="end">${escapeHtml(b.label)}</text>`);
    out.push(`<rect class="track" x="${m.l}" y="${yy + 8}" width="${iw}" height="${row - 16}" rx="6" aria-hidden="true"/>`);
    out.push(
      `<rect class="bar" x="${m.l}" y="${yy + 8}" width="${Math.max(w, b.value > 0 ? 2 : 0)}" height="${row - 16}" rx="6" fill="${b.color}" data-series="${escapeHtml(series)}" data-x="${escapeHtml(b.key)}" data-value="${b.value}"${extra}><title>${escapeHtml(`${b.label}: ${b.valueText}`)}</title></rect>`,
    );
    out.push(`<text class="val" x="${m.l + iw + 10}" y="${yy + row / 2 + 4}">${escapeHtml(b.valueText)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n");
}

function activeUsersCharts(data: ReportData, today: string): { main: string; stickiness: string; partialLast: boolean } {
  const rows = data.activeUsers.slice(-90);
  if (rows.length === 0) return { main: figure("active-users", "Active users", "Daily, weekly and monthly active users", empty("activity"), { wide: true }), stickiness: figure("stickiness", "Stickiness", "DAU / MAU", empty("activity")), partialLast: false };
  const days = rows.map((r) => r.activity_date);
  const partialLast = days[days.length - 1] === today;
  const first = days[0];
  const last = days[days.length - 1];
  const desc = `Daily, weekly and monthly active users per day from ${first} to ${last}.`;
  const series: LineSeries[] = [
    { key: "mau", label: "MAU", color: palette.mau, values: rows.map((r) => r.mau), format: fmt },
    { key: "wau", label: "WAU", color: palette.wau, values: rows.map((r) => r.wau), format: fmt },
    { key: "dau", label: "DAU", color: palette.dau, values: rows.map((r) => r.dau), format: fmt },
  ];
  const main = figure(
    "active-users",
    "Active users",
    `Users who logged in that day (DAU), in the 7 days (WAU) and the 30 days (MAU) ending that day · last ${rows.length} days`,
    lineChart("active-users-svg", "Daily, weekly and monthly active users", desc, days, series, { partialLast, yFormat: fmt, width: 1000, height: 320 }),
    {
      wide: true,
      legend: legend([
        { label: "DAU · daily", color: palette.dau },
        { label: "WAU · weekly", color: palette.wau },
        { label: "MAU · monthly", color: palette.mau },
      ]),
      note: partialLast ? `Hollow points, dashed: today (${shortDate(last)}), counted so far.` : undefined,
    },
  );
  const stick = rows.map((r) => r.stickiness);
  const stickMax = Math.max(0, ...stick.filter((v): v is number => v !== null));
  const stickiness = figure(
    "stickiness",
    "Stickiness",
    "DAU ÷ MAU: how many of the month's users come back on a given day",
    lineChart(
      "stickiness-svg",
      "Stickiness (DAU / MAU) per day",
      `Stickiness per day from ${first} to ${last}; highest ${pct(stickMax)}.`,
      days,
      [{ key: "stickiness", label: "Stickiness", color: palette.stickiness, values: stick, format: (v) => pct(v) }],
      { partialLast, yFormat: (v) => pct(v, 0), width: 560, height: 260 },
    ),
    { note: partialLast ? "Today's point (hollow) is counted so far." : undefined },
  );
  return { main, stickiness, partialLast };
}

function cohortHeatmap(data: ReportData): string {
  const rows = data.cohortRetention;
  if (rows.length === 0) return figure("cohort-retention", "Sign-up cohort retention", "Weekly cohorts", empty("cohorts"), { wide: true });
  const cohorts = [...new Set(rows.map((r) => r.cohort_week))].sort();
  const maxWeek = Math.max(...rows.map((r) => r.weeks_since_signup));
  const cell = new Map(rows.map((r) => [`${r.cohort_week}|${r.weeks_since_signup}`, r]));
  const sizes = new Map(rows.map((r) => [r.cohort_week, r.cohort_size]));
  const newest = cohorts[cohorts.length - 1];
  const head = Array.from({ length: maxWeek + 1 }, (_, w) => `<th scope="col" class="num">W${w}</th>`).join("");
  const body = cohorts
    .map((c) => {
      const elapsed = Math.round((dayOf(newest).getTime() - dayOf(c).getTime()) / (7 * 86400000));
      const cells = Array.from({ length: maxWeek + 1 }, (_, w) => {
        const r = cell.get(`${c}|${w}`);
        if (!r) return w <= elapsed ? `<td class="heat zero" title="No logins">·</td>` : `<td class="heat future" aria-label="not yet"></td>`;
        const t = Math.pow(r.retention_rate, 0.6);
        const bg = mix(palette.heatLow, palette.heatHigh, t);
        return `<td class="heat" style="background:${bg};color:${isDark(bg) ? "#fff" : "#1f2a37"}" data-series="retention" data-x="${c}" data-week="${w}" data-value="${r.retention_rate}" data-retained="${r.retained_users}" data-size="${r.cohort_size}" title="${escapeHtml(`Cohort of ${shortDate(c)}, week ${w}: ${fmt(r.retained_users)} of ${fmt(r.cohort_size)} (${pct(r.retention_rate)})`)}">${Math.round(r.retention_rate * 100)}%</td>`;
      }).join("");
      return `<tr><th scope="row">${escapeHtml(shortDate(c))} <span class="muted">${escapeHtml(c.slice(0, 4))}</span></th><td class="num size">${fmt(sizes.get(c) ?? 0)}</td>${cells}</tr>`;
    })
    .join("\n");
  const table = `<div class="scroll"><table class="heatmap">
  <caption class="sr-only">Share of each weekly sign-up cohort that logged in during each week after signing up</caption>
  <thead><tr><th scope="col">Cohort (week of)</th><th scope="col" class="num">Users</th>${head}</tr></thead>
  <tbody>${body}</tbody>
</table></div>`;
  const scale = `<div class="scale" aria-hidden="true"><span>0%</span><span class="ramp" style="background:linear-gradient(90deg, ${[0, 0.25, 0.5, 0.75, 1].map((v) => mix(palette.heatLow, palette.heatHigh, Math.pow(v, 0.6))).join(", ")})"></span><span>100%</span></div>`;
  return figure(
    "cohort-retention",
    "Sign-up cohort retention",
    "Of the users who signed up in a week, the share who logged in during week 0 (the sign-up week), week 1, … after it",
    table,
    { wide: true, legend: scale, note: "· no logins that week · blank: that week has not happened yet" },
  );
}

function authFunnelChart(data: ReportData): string {
  const rows = data.authFunnel;
  if (rows.length === 0) return figure("auth-funnel", "Sign-in funnel by method", "Attempts, successes and failure rate", empty("sign-ins"));
  const totals = new Map<string, { attempts: number; successes: number; failures: number }>();
  for (const r of rows) {
    const t = totals.get(r.auth_method) ?? { attempts: 0, successes: 0, failures: 0 };
    t.attempts += r.login_attempts;
    t.successes += r.login_successes;
    t.failures += r.login_failures;
    totals.set(r.auth_method, t);
  }
  const methods = [...totals.entries()].sort((a, b) => b[1].attempts - a[1].attempts || a[0].localeCompare(b[0]));
  const weeks = [...new Set(rows.map((r) => r.week))].sort();
  const W = 560;
  const rowH = 58;
  const m = { l: 100, r: 210, t: 26, b: 6 };
  const H = m.t + m.b + rowH * methods.length;
  const iw = W - m.l - m.r;
  const max = Math.max(1, ...methods.map(([, t]) => t.attempts));
  const out = [svgOpen("auth-funnel-svg", W, H, "Sign-in attempts and successes per method", `Login attempts, successes and failure rate per sign-in method, weeks of ${weeks[0]} to ${weeks[weeks.length - 1]}.`)];
  out.push(`<text class="colhead" x="${W - 4}" y="16" text-anchor="end">failure rate</text>`);
  methods.forEach(([method, t], i) => {
    const yy = m.t + i * rowH;
    const rate = t.attempts > 0 ? t.failures / t.attempts : 0;
    const wa = r1((t.attempts / max) * iw);
    const ws = r1((t.successes / max) * iw);
    out.push(`<text class="lbl" x="${m.l - 10}" y="${yy + 25}" text-anchor="end">${escapeHtml(label(method))}</text>`);
    out.push(`<rect class="bar" x="${m.l}" y="${yy + 4}" width="${Math.max(wa, t.attempts > 0 ? 2 : 0)}" height="18" rx="5" fill="${palette.attempts}" data-series="attempts" data-x="${escapeHtml(method)}" data-value="${t.attempts}"><title>${escapeHtml(`${label(method)}: ${fmt(t.attempts)} attempts`)}</title></rect>`);
    out.push(`<text class="inbar" x="${m.l + Math.max(wa, 0) + 6}" y="${yy + 17}">${fmt(t.attempts)} attempts</text>`);
    out.push(`<rect class="bar" x="${m.l}" y="${yy + 26}" width="${Math.max(ws, t.successes > 0 ? 2 : 0)}" height="18" rx="5" fill="${palette.successes}" data-series="successes" data-x="${escapeHtml(method)}" data-value="${t.successes}"><title>${escapeHtml(`${label(method)}: ${fmt(t.successes)} successes`)}</title></rect>`);
    out.push(`<text class="inbar" x="${m.l + Math.max(ws, 0) + 6}" y="${yy + 39}">${fmt(t.successes)} succeeded</text>`);
    const tone = rate >= 0.2 ? "bad" : rate >= 0.05 ? "warn" : "good";
    out.push(`<text class="rate ${tone}" x="${W - 4}" y="${yy + 30}" text-anchor="end" data-series="failure-rate" data-x="${escapeHtml(method)}" data-value="${Math.round(rate * 10000) / 10000}">${pct(rate)}</text>`);
  });
  out.push(`</svg>`);
  return figure(
    "auth-funnel",
    "Sign-in funnel by method",
    `Login attempts and successes per method, ${shortDate(weeks[0])} – ${shortDate(weeks[weeks.length - 1])} week (${weeks.length} weeks)`,
    out.join("\n"),
    { legend: legend([{ label: "Attempts", color: palette.attempts, shape: "box" }, { label: "Successes", color: palette.successes, shape: "box" }]) },
  );
}

function lifecycleDistributionChart(data: ReportData): string {
  const rows = [...data.lifecycleDistribution].sort((a, b) => byStage(a.lifecycle_stage ?? noneLabel, b.lifecycle_stage ?? noneLabel));
  if (rows.length === 0) return figure("lifecycle-distribution", "Lifecycle stages", "Users per stage today", empty("users"));
  const total = rows.reduce((n, r) => n + r.user_count, 0);
  const bars: Bar[] = rows.map((r) => {
    const stage = r.lifecycle_stage ?? noneLabel;
    return { key: stage, label: label(stage), value: r.user_count, color: stageColor[stage] ?? "#8c8c8c", valueText: `${fmt(r.user_count)} · ${r.pct.toFixed(1)}%`, extra: { pct: r.pct } };
  });
  return figure(
    "lifecycle-distribution",
    "Lifecycle stages",
    `Where the ${fmt(total)} current users (not deleted) are today`,
    barChart("lifecycle-distribution-svg", "Users per lifecycle stage", rows.map((r) => `${r.lifecycle_stage ?? noneLabel}: ${r.user_count}`).join(", "), "lifecycle", bars),
    { note: "New: signed up under 14 days ago · Active: logged in within 30 days · At risk: 30–59 days · Churned: 60+ days" },
  );
}

function vaccinationComplianceChart(data: ReportData): string {
  const rows = data.vaccinationCompliance;
  if (rows.length === 0) return figure("vaccination-compliance", "Vaccination compliance", "Pets up to date on vaccines", empty("pets"));
  const bars: Bar[] = rows.map((r, i) => ({
    key: r.species,
    label: label(r.species),
    value: r.up_to_date_count,
    color: methodColors[i % methodColors.length],
    valueText: `${pct(r.up_to_date_share)} of ${fmt(r.pet_count)}`,
    extra: { share: r.up_to_date_share, pets: r.pet_count, overdue: r.overdue_count },
  }));
  return figure(
    "vaccination-compliance",
    "Vaccination compliance",
    "Pets up to date on their vaccines, by species (proactive care starts here)",
    barChart("vaccination-compliance-svg", "Pets up to date on vaccines by species", rows.map((r) => `${r.species}: ${r.up_to_date_count} of ${r.pet_count}`).join(", "), "vaccination", bars),
    { note: `Overdue: ${rows.map((r) => `${label(r.species)} ${fmt(r.overdue_count)}`).join(" · ")}` },
  );
}

function featureAdoptionChart(data: ReportData): string {
  const rows = data.featureAdoption;
  if (rows.length === 0) return figure("feature-adoption", "Feature adoption", "Users of each feature, last 30 days", empty("feature use"));
  const bars: Bar[] = rows.map((r, i) => ({
    key: r.feature_name,
    label: label(r.feature_name),
    value: r.users_last_30_days,
    color: methodColors[i % methodColors.length],
    valueText: `${fmt(r.users_last_30_days)}${r.adoption_rate === null ? "" : ` · ${pct(r.adoption_rate)}`}`,
    extra: { rate: r.adoption_rate ?? "" },
  }));
  return figure(
    "feature-adoption",
    "Feature adoption",
    `Users of each feature in the last 30 days, and their share of the ${fmt(rows[0].active_users_last_30_days)} active users`,
    barChart("feature-adoption-svg", "Users per feature, last 30 days", rows.map((r) => `${r.feature_name}: ${r.users_last_30_days}`).join(", "), "feature-adoption", bars),
  );
}

function lifecycleMovementTable(data: ReportData): string {
  const weeks = [...new Set(data.lifecycleMovement.map((r) => r.week))].sort().slice(-8);
  const rows = data.lifecycleMovement.filter((r) => weeks.includes(r.week));
  if (rows.length === 0) return figure("lifecycle-movement", "Lifecycle movement", "Users moving between stages per week", empty("stage changes"), { wide: true });
  const pairs = [...new Set(rows.map((r) => `${r.from_stage}→${r.to_stage}`))]
    .map((p) => p.split("→") as [string, string])
    .sort((a, b) => (a[0] === "(new)" ? -1 : 0) - (b[0] === "(new)" ? -1 : 0) || byStage(a[0], b[0]) || byStage(a[1], b[1]));
  const at = new Map(rows.map((r) => [`${r.week}|${r.from_stage}|${r.to_stage}`, r.users]));
  const max = Math.max(1, ...rows.map((r) => r.users));
  const stageChip = (s: string) => `<span class="chip" style="--c:${stageColor[s] ?? "#8c8c8c"}">${escapeHtml(s === "(new)" ? "first seen" : label(s))}</span>`;
  const body = pairs
    .map(([from, to]) => {
      const cells = weeks
        .map((w) => {
          const n = at.get(`${w}|${from}|${to}`);
          if (n === undefined) return `<td class="num muted">–</td>`;
          return `<td class="num move" data-series="movement" data-x="${w}" data-from="${escapeHtml(from)}" data-to="${escapeHtml(to)}" data-value="${n}"><span class="mbar" style="width:${Math.max(4, Math.round((n / max) * 100))}%;background:${stageColor[to] ?? "#8c8c8c"}" aria-hidden="true"></span><span class="mval">${fmt(n)}</span></td>`;
        })
        .join("");
      return `<tr><th scope="row">${stageChip(from)}<span class="arrow" aria-label="to">→</span>${stageChip(to)}</th>${cells}</tr>`;
    })
    .join("\n");
  const table = `<div class="scroll"><table class="movement">
  <caption class="sr-only">Users who moved from one lifecycle stage to another, per week the pipeline saw the change</caption>
  <thead><tr><th scope="col">Move</th>${weeks.map((w) => `<th scope="col" class="num">wk of ${escapeHtml(shortDate(w))}</th>`).join("")}</tr></thead>
  <tbody>${body}</tbody>
</table></div>`;
  return figure("lifecycle-movement", "Lifecycle movement", "Users who changed stage, per week the pipeline saw the change (first seen: new to the warehouse)", table, { wide: true });
}

function adoptionChart(data: ReportData): string {
  const rows = [...data.authMethodAdoption].sort((a, b) => b.user_count - a.user_count || String(a.preferred_auth_method).localeCompare(String(b.preferred_auth_method)));
  if (rows.length === 0) return figure("auth-method-adoption", "Sign-in method adoption", "Users per preferred method", empty("users"));
  const total = rows.reduce((n, r) => n + r.user_count, 0);
  const bars: Bar[] = rows.map((r, i) => {
    const method = r.preferred_auth_method ?? noneLabel;
    return { key: method, label: label(method), value: r.user_count, color: methodColors[i % methodColors.length], valueText: `${fmt(r.user_count)} · ${pct(total ? r.user_count / total : 0)}` };
  });
  return figure(
    "auth-method-adoption",
    "Sign-in method adoption",
    `The method each of the ${fmt(total)} current users last chose`,
    barChart("auth-method-adoption-svg", "Users per preferred sign-in method", rows.map((r) => `${r.preferred_auth_method ?? noneLabel}: ${r.user_count}`).join(", "), "adoption", bars),
  );
}

function badge(status: string, attrs = ""): string {
  return `<span class="badge ${statusTone[status] ?? "info"}"${attrs}>${escapeHtml(status)}</span>`;
}

function healthPanel(data: ReportData): string {
  const { runs, freshness, layerRows, layerRowsUnavailable } = data.health;
  const run = runs[0];
  if (!run) return figure("run-health", "Latest run health", "The pipeline's most recent run", `<p class="empty">No pipeline run yet: <code>npm run pipeline</code>.</p>`, { wide: true });
  const other = Math.max(0, run.tests_run - run.tests_passed - run.tests_warned);
  const seconds = run.finished_at ? (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000 : null;
  // the tests as one stacked bar: passed, warned, failed or errored
  const W = 560;
  const parts = [
    { key: "passed", n: run.tests_passed, color: "#1aa37a" },
    { key: "warned", n: run.tests_warned, color: "#f0a202" },
    { key: "failed", n: other, color: "#d9534f" },
  ];
  let x0 = 0;
  const testBar = [svgOpen("run-tests-svg", W, 22, "Quality tests of the latest run", `${run.tests_passed} passed, ${run.tests_warned} warned, ${other} failed of ${run.tests_run}.`)];
  testBar.push(`<clipPath id="run-tests-clip"><rect x="0" y="2" width="${W}" height="18" rx="9"/></clipPath>`);
  testBar.push(`<rect class="track" x="0" y="2" width="${W}" height="18" rx="9" aria-hidden="true"/><g clip-path="url(#run-tests-clip)">`);
  for (const p of parts) {
    const w = run.tests_run ? r1((p.n / run.tests_run) * W) : 0;
    testBar.push(`<rect x="${r1(x0)}" y="2" width="${w}" height="18" fill="${p.color}" data-series="tests" data-x="${p.key}" data-value="${p.n}"><title>${p.n} ${p.key}</title></rect>`);
    x0 += w;
  }
  testBar.push(`</g></svg>`);
  const failing = run.failing_tests.length
    ? `<ul class="failing">${run.failing_tests.map((t) => `<li data-failing-test="${escapeHtml(t)}"><code>${breakable(t)}</code></li>`).join("")}</ul>`
    : `<p class="ok-line" data-failing-tests="0">No failing tests.</p>`;
  const fresh = freshness.length
    ? `<div class="scroll"><table class="fresh"><caption class="sr-only">Latest result of each freshness test</caption>
  <thead><tr><th scope="col">Freshness test</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead>
  <tbody>${freshness
    .map((f) => `<tr data-freshness-test="${escapeHtml(f.test_name)}" data-status="${escapeHtml(f.status)}"><th scope="row"><code>${breakable(f.test_name)}</code><br><span class="muted small">checked ${escapeHtml(stamp(f.checked_at))}</span></th><td>${badge(f.status)}</td><td class="muted">${escapeHtml(f.message ?? "")}</td></tr>`)
    .join("")}</tbody></table></div>`
    : `<p class="empty">No freshness test has run yet.</p>`;
  const layerOrder = ["raw", "staging", "marts"];
  const layers = layerRowsUnavailable
    ? `<p class="warn-line" data-layer-rows="unavailable">Rows per layer unavailable: ${escapeHtml(layerRowsUnavailable)}</p>`
    : barChart(
        "layer-rows-svg",
        "Rows per warehouse layer",
        layerRows.map((l) => `${l.layer}: ${l.row_count}`).join(", "),
        "layer-rows",
        [...layerRows]
          .sort((a, b) => (layerOrder.indexOf(a.layer) + 1 || 99) - (layerOrder.indexOf(b.layer) + 1 || 99))
          .map((l, i) => ({ key: l.layer, label: label(l.layer), value: l.row_count, color: ["#c9b79c", "#8fb8b0", "#0f8b7e"][i] ?? "#8c8c8c", valueText: `≈ ${fmt(l.row_count)}` })),
      );
  const history = runs.length > 1
    ? `<div class="history"><h3>Recent runs</h3><div class="runs">${[...runs].reverse().map((r) => `<span class="runbox ${statusTone[r.status] ?? "info"}" data-series="run" data-x="${r.run_id}" data-status="${escapeHtml(r.status)}" title="${escapeHtml(`Run ${r.run_id}: ${r.status}, ${stamp(r.started_at)}`)}"></span>`).join("")}</div></div>`
    : "";
  const body = `
  <div class="health">
    <div class="health-main">
      <p class="runline">Run <span class="big" data-kpi="run-id">${run.run_id}</span> ${badge(run.status, ` data-kpi="run-status"`)}${run.full_refresh ? ` <span class="badge info">full refresh</span>` : ""}</p>
      <p class="muted">Started ${escapeHtml(stamp(run.started_at))}${seconds !== null ? ` · took ${seconds.toFixed(1)} s` : " · still running"}</p>
      <h3>Quality tests</h3>
      <p class="tests"><span class="big" data-kpi="tests-passed">${run.tests_passed}</span> of <span data-kpi="tests-run">${run.tests_run}</span> passed · <span data-kpi="tests-warned">${run.tests_warned}</span> warned · <span data-kpi="tests-failed">${other}</span> failed</p>
      <div class="chart-wrap" data-chart="run-tests">${testBar.join("\n")}</div>
      <h3>Failing tests</h3>
      ${failing}
      ${history}
    </div>
    <div class="health-side">
      <h3>Freshness</h3>
      ${fresh}
      <h3>Rows per layer</h3>
      <div class="chart-wrap" data-chart="layer-rows">${layers}</div>
      ${layerRowsUnavailable ? "" : `<p class="note">Approximate (planner statistics after the run).</p>`}
    </div>
  </div>`;
  return figure("run-health", "Latest run health", "The pipeline's most recent run: its quality gate, freshness and size", body, { wide: true });
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

const css = `
:root{--bg:#fbf7f1;--card:#fff;--ink:#1f2a37;--muted:#5f6b7a;--line:#ece5da;--accent:#0f8b7e;--accent2:#f08a4b;
--good:#137a5b;--good-bg:#e3f5ee;--warn:#8a5a00;--warn-bg:#fdf1d8;--bad:#a8322e;--bad-bg:#fbe4e2;--info:#3b5b8a;--info-bg:#e6eef9}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-variant-numeric:tabular-nums}
header.top{background:linear-gradient(120deg,#0b6e64 0%,#0f8b7e 45%,#17a88f 100%);color:#fff}
header.top .inner{max-width:1240px;margin:0 auto;padding:28px 24px 26px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header.top svg.logo{width:48px;height:48px;flex:none}
header.top h1{margin:0;font-size:26px;line-height:1.2;letter-spacing:-.01em}
header.top p{margin:2px 0 0;opacity:.92;font-size:14px}
main{max-width:1240px;margin:0 auto;padding:22px 24px 48px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:14px;margin:-44px 0 22px;position:relative}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:14px 16px;box-shadow:0 6px 20px rgba(31,42,55,.07)}
.kpi .k{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.kpi .v{font-size:28px;font-weight:700;line-height:1.15;margin-top:2px}
.kpi .d{font-size:12.5px;color:var(--muted)}
.kpi.run .v{font-size:22px;line-height:1.45}.kpi.run.good .v{color:var(--good)}.kpi.run.bad .v{color:var(--bad)}.kpi.run.info .v{color:var(--info)}
.kpi.dau .v{color:#0b6e64}.kpi.wau .v{color:#b85a1f}.kpi.mau .v{color:#5443b5}.kpi.stick .v{color:#b3325f}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:20px}
.card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:20px 22px;box-shadow:0 1px 2px rgba(31,42,55,.04),0 8px 24px rgba(31,42,55,.04);min-width:0}
.card.wide{grid-column:1/-1}
figcaption h2{margin:0;font-size:18px;letter-spacing:-.01em}
figcaption .sub{margin:2px 0 12px;color:var(--muted);font-size:13.5px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:18px 0 8px}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{font-family:inherit;fill:var(--ink)}
svg .tick{font-size:11px;fill:var(--muted)}
svg .grid line{stroke:#eee8de;stroke-width:1}
svg .grid line.xtick{stroke:#cfc6b8}
svg .line{fill:none;stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}
svg .line.partial{stroke-dasharray:3 4;stroke-width:1.75}
svg .pt{stroke-width:1.5}
svg .lbl{font-size:13px;font-weight:600}
svg .val,svg .inbar{font-size:12.5px;fill:var(--muted)}
svg .colhead{font-size:11px;fill:var(--muted);text-transform:uppercase;letter-spacing:.05em}
svg .rate{font-size:15px;font-weight:700}
svg .rate.good{fill:var(--good)}svg .rate.warn{fill:var(--warn)}svg .rate.bad{fill:var(--bad)}
svg .track{fill:#f4efe7}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;margin:0 0 10px;padding:0;font-size:13px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:7px}
.swatch{display:inline-block;width:18px;height:4px;border-radius:2px}
.swatch.box{width:12px;height:12px;border-radius:3px}
.note{margin:10px 0 0;font-size:12.5px;color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
.muted{color:var(--muted)}
.nowrap{white-space:nowrap}
.small{font-size:12px;font-weight:400}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:separate;border-spacing:0;font-size:13.5px;width:100%}
th,td{padding:6px 8px;text-align:left}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);white-space:nowrap}
tbody th{font-weight:600;white-space:nowrap}
.num{text-align:right}
table.heatmap{border-spacing:3px;width:auto;min-width:100%}
table.heatmap td.heat{text-align:center;min-width:46px;border-radius:6px;font-weight:600;font-size:12.5px}
table.heatmap td.zero{color:#b8ad9c;background:#faf7f2}
table.heatmap td.future{background:transparent}
table.heatmap td.size{color:var(--muted)}
.scale{display:flex;align-items:center;gap:8px;font-size:12px;color:var(--muted);margin:0 0 10px}
.scale .ramp{display:inline-block;width:160px;height:10px;border-radius:5px}
table.movement{width:auto;min-width:min(100%,520px)}
table.movement td.move{position:relative;min-width:110px}
table.movement .mbar{position:absolute;left:8px;top:50%;height:6px;margin-top:6px;border-radius:3px;opacity:.55;max-width:calc(100% - 16px)}
table.movement .mval{position:relative;font-weight:600}
table.movement tbody tr+tr th,table.movement tbody tr+tr td{border-top:1px solid #f3eee6}
.chip{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;color:var(--ink);background:color-mix(in srgb,var(--c) 18%,#fff);border:1px solid color-mix(in srgb,var(--c) 45%,#fff)}
.arrow{margin:0 6px;color:var(--muted)}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12.5px;font-weight:700;letter-spacing:.02em;vertical-align:middle}
.badge.good{color:var(--good);background:var(--good-bg)}.badge.warn{color:var(--warn);background:var(--warn-bg)}
.badge.bad{color:var(--bad);background:var(--bad-bg)}.badge.info{color:var(--info);background:var(--info-bg)}
.health{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.6fr);gap:10px 36px}
@media (max-width:860px){.health{grid-template-columns:minmax(0,1fr)}}
.health-main>h3:first-child,.health-side>h3:first-child{margin-top:0}
.runline{margin:0;font-size:16px}
.big{font-size:26px;font-weight:700;margin-right:4px}
.tests{margin:0 0 8px}
.failing{margin:0;padding-left:18px;color:var(--bad)}
.ok-line{margin:0;color:var(--good);font-weight:600}
.warn-line{margin:0;padding:10px 12px;border-radius:10px;background:var(--warn-bg);color:var(--warn);font-size:13px}
table.fresh td,table.fresh th{border-bottom:1px solid #f3eee6;vertical-align:top}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:break-word}
table.fresh tbody th{white-space:normal}
[data-chart="layer-rows"] svg{max-width:600px}
.runs{display:flex;gap:4px;flex-wrap:wrap}
.runbox{width:14px;height:14px;border-radius:4px;display:inline-block}
.runbox.good{background:#1aa37a}.runbox.bad{background:#d9534f}.runbox.warn{background:#f0a202}.runbox.info{background:#6b8bbd}
footer{max-width:1240px;margin:0 auto;padding:0 24px 36px;color:var(--muted);font-size:12.5px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:560px){header.top h1{font-size:21px}.kpi .v{font-size:23px}main{padding:18px 12px 36px}.card{padding:16px 14px}}
@media print{body{background:#fff}.card,.kpi{box-shadow:none;break-inside:avoid}header.top{background:#0f8b7e;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

const logo = `<svg class="logo" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
  <circle cx="24" cy="24" r="24" fill="rgba(255,255,255,.18)"/>
  <ellipse cx="15.5" cy="19" rx="3.6" ry="4.6" fill="#fff"/><ellipse cx="22" cy="13.5" rx="3.6" ry="4.6" fill="#fff"/>
  <ellipse cx="29.5" cy="14" rx="3.6" ry="4.6" fill="#fff"/><ellipse cx="35" cy="20.5" rx="3.4" ry="4.4" fill="#fff"/>
  <path d="M24.5 22.5c5.5 0 10 6.3 10 10.4 0 3.6-2.8 4.6-5.2 4.1-2.1-.4-3.1-1.3-4.8-1.3s-2.9.9-5 1.3c-2.4.5-5-.6-5-4.1 0-4.1 4.5-10.4 10-10.4z" fill="#fff"/>
</svg>`;

function kpiTile(cls: string, name: string, kpi: string, value: string, raw: number | string, detail: string, attrs = ""): string {
  return `<div class="kpi ${cls}"><div class="k">${escapeHtml(name)}</div><div class="v"><span data-kpi="${kpi}" data-value="${escapeHtml(raw)}"${attrs}>${escapeHtml(value)}</span></div><div class="d">${escapeHtml(detail)}</div></div>`;
}

export interface RenderOptions {
  generatedAt: Date;
}

/** The report as one self-contained HTML page (pure: the same data and time give the same page). */
export function renderReport(data: ReportData, opts: RenderOptions): string {
  const generated = opts.generatedAt.toISOString();
  const today = generated.slice(0, 10);
  const active = activeUsersCharts(data, today);
  // headline: the newest complete day (today is still being counted)
  const complete = data.activeUsers.filter((r) => r.activity_date < today);
  const latest = complete[complete.length - 1] ?? data.activeUsers[data.activeUsers.length - 1];
  const users = data.lifecycleDistribution.reduce((n, r) => n + r.user_count, 0);
  const run = data.health.runs[0];
  const tiles = latest
    ? [
        kpiTile("dau", "Daily active", "dau-latest", fmt(latest.dau), latest.dau, longDate(latest.activity_date), ` data-x="${latest.activity_date}"`),
        kpiTile("wau", "Weekly active", "wau-latest", fmt(latest.wau), latest.wau, "7 days to that day", ` data-x="${latest.activity_date}"`),
        kpiTile("mau", "Monthly active", "mau-latest", fmt(latest.mau), latest.mau, "30 days to that day", ` data-x="${latest.activity_date}"`),
        kpiTile("stick", "Stickiness", "stickiness-latest", latest.stickiness === null ? "–" : pct(latest.stickiness), latest.stickiness ?? "", "DAU ÷ MAU", ` data-x="${latest.activity_date}"`),
      ]
    : [];
  tiles.push(kpiTile("users", "Current users", "users-total", fmt(users), users, "not deleted, all stages"));
  if (run) tiles.push(kpiTile(`run ${statusTone[run.status] ?? "info"}`, "Latest run", "run-status-headline", run.status, run.status, `run ${run.run_id} · ${run.tests_passed}/${run.tests_run} tests passed`));
  const asOf = data.activeUsers.length ? data.activeUsers[data.activeUsers.length - 1].activity_date : today;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="PetForce warehouse · npm run report">
<title>PetForce warehouse report · ${escapeHtml(asOf)}</title>
<style>${css}</style>
</head>
<body>
<header class="top"><div class="inner">
  ${logo}
  <div>
    <h1>PetForce warehouse report</h1>
    <p>Data as of ${escapeHtml(longDate(asOf))} · generated <time datetime="${escapeHtml(generated)}" data-kpi="generated-at">${escapeHtml(stamp(generated))}</time> · opted-out users are never counted</p>
  </div>
</div></header>
<main>
  <section class="kpis" aria-label="Headline numbers">
    ${tiles.join("\n    ")}
  </section>
  <div class="grid">
    ${active.main}
    ${active.stickiness}
    ${lifecycleDistributionChart(data)}
    ${authFunnelChart(data)}
    ${adoptionChart(data)}
    ${vaccinationComplianceChart(data)}
    ${featureAdoptionChart(data)}
    ${cohortHeatmap(data)}
    ${lifecycleMovementTable(data)}
    ${healthPanel(data)}
  </div>
</main>
<footer>Read from the <code>marts</code> schema as <code>analyst_role</code>: the KPI views (<code>kpi_*</code>, users, pets and product usage) and the run-health views (<code>pipeline_*</code>). Dates are UTC.</footer>
</body>
</html>
`;
}
