// Slack Block Kit messages for warehouse alerts. Pure: an alert row in, { text, blocks } out.
// Rows read back from warehouse.alert_outbox are validated here (parseAlert) before anything uses them.
// Messages carry facts only (run ids, test names, counts, the tests' own one-line messages); any URL in
// a free-text field is redacted, so no database URL or host reaches Slack.
import { z } from "zod";

const count = z.coerce.number().int().nonnegative();
const text = z.string().nullish().transform((v) => v ?? null);

const failingTest = z.object({
  test_name: z.string(),
  model_name: z.string().nullish(),
  failing_rows: count,
  message: text,
});

const warning = z.object({
  test_name: z.string(),
  failing_rows: count.nullish(),
  message: text,
});

const runPayload = z.object({
  run_id: z.coerce.number().int(),
  status: z.string(),
  full_refresh: z.boolean().optional(),
  error: text,
  failing_tests: z.array(failingTest).default([]),
  warnings: z.array(warning).default([]),
  tests_run: count.nullish(),
  failed_steps: z.array(z.object({ step: z.string(), target: text, error: text })).default([]),
  rows_per_layer: z.record(z.string(), count).nullish(),
});

const freshnessPayload = z.object({
  breaches: z.array(z.object({ test_name: z.string(), status: z.string(), message: text })).min(1),
});

const warningPayload = z.object({
  run_id: z.coerce.number().int().nullish(),
  warnings: z.array(warning).default([]),
});

const common = {
  alert_id: z.uuid(),
  severity: z.enum(["info", "warning", "error"]),
  run_id: z.coerce.number().int().nullable(),
  title: z.string().min(1),
  attempts: count,
  created_at: z.coerce.date(),
};

/** One claimed row of warehouse.alert_outbox, its payload checked against its kind. */
export const alertSchema = z.discriminatedUnion("kind", [
  z.object({ ...common, kind: z.literal("run_failed"), payload: runPayload }),
  z.object({ ...common, kind: z.literal("run_succeeded"), payload: runPayload }),
  z.object({ ...common, kind: z.literal("freshness_breach"), payload: freshnessPayload }),
  z.object({ ...common, kind: z.literal("test_warning"), payload: warningPayload }),
]);

export type Alert = z.infer<typeof alertSchema>;

/** Validates a row read from the outbox; throws naming the first bad field. */
export function parseAlert(row: unknown): Alert {
  const parsed = alertSchema.safeParse(row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid alert row: ${issue.path.join(".") || "row"}: ${issue.message}`);
  }
  return parsed.data;
}

// deno-lint-ignore no-explicit-any
export type Block = Record<string, any>;

export interface SlackMessage {
  /** Fallback text: notifications and clients without blocks. */
  text: string;
  blocks: Block[];
}

export interface FormatOptions {
  /** A link people may follow (a dashboard); omitted when null. */
  reportUrl?: string | null;
}

const MAX_LISTED = 15; // items per list; the rest are counted
const SECTION_LIMIT = 3000; // Slack's limit for a section's text
const HEADER_LIMIT = 150; // and for a header's

/** Free text from the database, made safe for mrkdwn: URLs redacted, Slack's control characters escaped. */
export function clean(value: string | null | undefined, max = 300): string {
  if (!value) return "";
  const redacted = value
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, "[redacted url]")
    .replace(/\s+/g, " ")
    .trim();
  const escaped = redacted.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/`/g, "'");
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

const code = (name: string) => `\`${clean(name, 200)}\``;
const n = (value: number) => value.toLocaleString("en-US");
const plural = (value: number, one: string, many = `${one}s`) => `${n(value)} ${value === 1 ? one : many}`;

function section(markdown: string): Block {
  const body = markdown.length > SECTION_LIMIT ? `${markdown.slice(0, SECTION_LIMIT - 1)}…` : markdown;
  return { type: "section", text: { type: "mrkdwn", text: body } };
}

function listSection(heading: string, items: string[]): Block[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, MAX_LISTED);
  const more = items.length - shown.length;
  const lines = [`*${heading}*`, ...shown.map((i) => `• ${i}`)];
  if (more > 0) lines.push(`…and ${n(more)} more`);
  // keep whole lines within a section's limit by splitting into several sections
  const blocks: Block[] = [];
  let current = "";
  for (const line of lines) {
    if (current && current.length + line.length + 1 > SECTION_LIMIT) {
      blocks.push(section(current));
      current = "";
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

const icon: Record<Alert["severity"], string> = { error: ":rotating_light:", warning: ":warning:", info: ":white_check_mark:" };

function header(alert: Alert, status: string): Block[] {
  const title = alert.title.length > HEADER_LIMIT - 20 ? `${alert.title.slice(0, HEADER_LIMIT - 21)}…` : alert.title;
  return [
    { type: "header", text: { type: "plain_text", text: `${icon[alert.severity]} ${title}`, emoji: true } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Run*\n${alert.run_id === null ? "—" : alert.run_id}` },
        { type: "mrkdwn", text: `*Status*\n${clean(status, 50)}` },
        { type: "mrkdwn", text: `*Severity*\n${alert.severity}` },
        { type: "mrkdwn", text: `*When*\n${alert.created_at.toISOString().replace("T", " ").slice(0, 16)} UTC` },
      ],
    },
  ];
}

const failingItem = (t: z.infer<typeof failingTest>) =>
  `${code(t.test_name)}${t.model_name ? ` on ${code(t.model_name)}` : ""}: ${plural(t.failing_rows, "failing row")}` +
  (t.message ? `\n      ${clean(t.message)}` : "");

const warningItem = (w: z.infer<typeof warning>) =>
  `${code(w.test_name)}${w.failing_rows ? `: ${plural(w.failing_rows, "failing row")}` : ""}` +
  (w.message ? `\n      ${clean(w.message)}` : "");

function layerSummary(rows: Record<string, number> | null | undefined): string | null {
  if (!rows) return null;
  const order = ["raw", "staging", "marts"];
  const names = Object.keys(rows).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return names.length ? names.map((k) => `${clean(k, 40)} ${n(rows[k])}`).join(" · ") : null;
}

function body(alert: Alert): { blocks: Block[]; status: string; fallback: string[] } {
  switch (alert.kind) {
    case "run_failed": {
      const p = alert.payload;
      const blocks: Block[] = [];
      if (p.failing_tests.length === 0 && p.failed_steps.length === 0 && p.error) {
        blocks.push(section(`*Error*\n${clean(p.error, 1000)}`));
      }
      blocks.push(...listSection(`Failing tests (${n(p.failing_tests.length)}) — nothing was published`, p.failing_tests.map(failingItem)));
      blocks.push(...listSection(
        "Failed steps",
        p.failed_steps.map((s) => `${clean(s.step, 60)}${s.target ? ` ${code(s.target)}` : ""}${s.error ? `: ${clean(s.error)}` : ""}`),
      ));
      blocks.push(...listSection(`Warnings (${n(p.warnings.length)})`, p.warnings.map(warningItem)));
      const names = p.failing_tests.map((t) => t.test_name);
      return {
        blocks,
        status: p.status,
        fallback: names.length ? [`failing tests: ${names.join(", ")}`] : p.error ? [p.error] : [],
      };
    }
    case "run_succeeded": {
      const p = alert.payload;
      const facts = [
        layerSummary(p.rows_per_layer) && `*Rows per layer (estimate)* ${layerSummary(p.rows_per_layer)}`,
        p.tests_run != null && `*Tests run* ${n(p.tests_run)}`,
        `*Warnings* ${n(p.warnings.length)}`,
        p.full_refresh ? "*Full refresh* yes" : null,
      ].filter(Boolean) as string[];
      return {
        blocks: [section(facts.join("\n")), ...listSection(`Warnings (${n(p.warnings.length)})`, p.warnings.map(warningItem))],
        status: p.status,
        fallback: [
          `${p.tests_run ?? 0} tests run, ${plural(p.warnings.length, "warning")}`,
          ...(p.warnings.length ? [`warnings: ${p.warnings.map((w) => w.test_name).join(", ")}`] : []),
        ],
      };
    }
    case "freshness_breach": {
      const p = alert.payload;
      return {
        blocks: listSection(
          `Stale data (${n(p.breaches.length)})`,
          p.breaches.map((b) => `${code(b.test_name)} (${clean(b.status, 20)}): ${clean(b.message) || "no message"}`),
        ),
        status: "stale",
        fallback: [`stale: ${p.breaches.map((b) => `${b.test_name} (${b.message ?? b.status})`).join("; ")}`],
      };
    }
    case "test_warning": {
      const p = alert.payload;
      return {
        blocks: listSection(`Warnings (${n(p.warnings.length)})`, p.warnings.map(warningItem)),
        status: "warning",
        fallback: p.warnings.length ? [`warnings: ${p.warnings.map((w) => w.test_name).join(", ")}`] : [],
      };
    }
  }
}

/** The Slack message for one alert. */
export function formatAlert(alert: Alert, opts: FormatOptions = {}): SlackMessage {
  const { blocks, status, fallback } = body(alert);
  const all: Block[] = [...header(alert, status), ...blocks];
  all.push({ type: "context", elements: [{ type: "mrkdwn", text: `alert ${alert.alert_id} · attempt ${alert.attempts}` }] });
  if (opts.reportUrl) {
    all.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open the warehouse report" }, url: opts.reportUrl }],
    });
  }
  const text = clean([alert.title, `status ${status}`, ...fallback].join(" — "), 3000);
  return { text, blocks: all.slice(0, 50) };
}
