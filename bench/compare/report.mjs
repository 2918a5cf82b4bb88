// Side-by-side table of two rivet-load JSON reports (rivetkit-cpp first, upstream second).
//   node report.mjs cpp.json upstream.json [combined.json]
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const [cppPath, upPath, outPath] = process.argv.slice(2);
const load = (p) => (p && existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : null);
const cpp = load(cppPath);
const up = load(upPath);
if (!cpp || !up) {
  console.error(`report: missing report(s): ${!cpp ? cppPath : ""} ${!up ? upPath : ""}`);
  process.exit(1);
}

const keyOf = (m) => `${m.workload}\u0000${m.name}`;
const upByKey = new Map(up.results.map((m) => [keyOf(m), m]));
const lowerIsBetter = (unit) => ["us", "B", "MiB", "KiB"].includes(unit);

const fmt = (m) => {
  if (!m) return "-";
  if (m.error) return "error";
  const v = m.value;
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1);
};

const rows = [];
const seen = new Set();
for (const m of cpp.results) {
  const k = keyOf(m);
  seen.add(k);
  const u = upByKey.get(k);
  let ratio = "";
  if (u && !m.error && !u.error && m.value > 0 && u.value > 0) {
    const r = lowerIsBetter(m.unit) ? u.value / m.value : m.value / u.value;
    ratio = `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x ${r >= 1 ? "better" : "worse"}`;
  }
  const target = m.target !== undefined ? `${m.target_op} ${m.target}` : "";
  const status = m.met === undefined ? "" : m.met ? "met" : "MISSED";
  const upStatus = u && u.met !== undefined ? (u.met ? "met" : "missed") : "";
  rows.push([m.workload, m.name, m.unit, fmt(m), fmt(u), ratio, target, status, upStatus]);
}
for (const u of up.results) {
  if (!seen.has(keyOf(u))) rows.push([u.workload, u.name, u.unit, "-", fmt(u), "", "", "", ""]);
}

const header = ["workload", "figure", "unit", "rivetkit-cpp", "rivetkit 2.3.19", "cpp vs upstream", "target", "cpp", "upstream"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (i >= 3 && i <= 4 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ");

console.log();
console.log(`machine: ${cpp.machine.nproc} cores, ${cpp.machine.cpu_model}; build ${cpp.build_type}; ${cpp.started_utc}`);
console.log(`rivetkit-cpp:    ${cpp.server.durability}`);
console.log(`rivetkit 2.3.19: ${up.server.durability}`);
console.log(`command: ${cpp.command}`);
console.log();
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
for (const n of [...(cpp.notes ?? []), ...(up.notes ?? [])]) console.log(`note: ${n}`);

if (outPath) {
  writeFileSync(outPath, JSON.stringify({ rivetkit_cpp: cpp, upstream: up, table: { header, rows } }, null, 2) + "\n");
  console.log(`\nresults: ${outPath}`);
}
