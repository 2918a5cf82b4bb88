// Side-by-side table of rivet-load JSON reports: rivetkit-cpp embedded, upstream rivetkit on the
// engine and, when given, rivetkit-cpp hosted on the same engine (engine mode).
//   node report.mjs cpp.json upstream.json [combined.json] [cpp-engine.json]
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const [cppPath, upPath, outPath, enginePath] = process.argv.slice(2);
const load = (p) => (p && existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : null);
const cpp = load(cppPath);
const up = load(upPath);
const eng = load(enginePath);
if (!cpp || !up) {
  console.error(`report: missing report(s): ${!cpp ? cppPath : ""} ${!up ? upPath : ""}`);
  process.exit(1);
}

const keyOf = (m) => `${m.workload}\u0000${m.name}`;
const byKey = (r) => new Map((r?.results ?? []).map((m) => [keyOf(m), m]));
const upByKey = byKey(up);
const engByKey = byKey(eng);
const lowerIsBetter = (unit) => ["us", "B", "MiB", "KiB"].includes(unit);

const fmt = (m) => {
  if (!m) return "-";
  if (m.error) return "error";
  const v = m.value;
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1);
};
// How many times better `a` is than `b` (both measurements of the same figure).
const ratio = (a, b) => {
  if (!a || !b || a.error || b.error || !(a.value > 0) || !(b.value > 0)) return "";
  const r = lowerIsBetter(a.unit) ? b.value / a.value : a.value / b.value;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x ${r >= 1 ? "better" : "worse"}`;
};
const status = (m) => (m && m.met !== undefined ? (m.met ? "met" : "missed") : "");

const rows = [];
const seen = new Set();
const addRow = (k, base) => {
  seen.add(k);
  const m = cpp.results.find((x) => keyOf(x) === k);
  const u = upByKey.get(k);
  const e = engByKey.get(k);
  const target = base.target !== undefined ? `${base.target_op} ${base.target}` : "";
  const row = [base.workload, base.name, base.unit, fmt(m), fmt(u), ratio(m, u)];
  if (eng) row.push(fmt(e), ratio(e, u));
  row.push(target, status(m), status(u));
  if (eng) row.push(status(e));
  rows.push(row);
};
for (const m of cpp.results) addRow(keyOf(m), m);
for (const r of [up, eng]) for (const m of r?.results ?? []) if (!seen.has(keyOf(m))) addRow(keyOf(m), m);

const header = ["workload", "figure", "unit", "rivetkit-cpp", "rivetkit 2.3.19", "cpp vs upstream"];
if (eng) header.push("rivetkit-cpp on engine", "on engine: cpp vs upstream");
header.push("target", "cpp", "upstream");
if (eng) header.push("cpp on engine");
const numeric = new Set([3, 4, ...(eng ? [6] : [])]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (numeric.has(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ");

console.log();
console.log(`machine: ${cpp.machine.nproc} cores, ${cpp.machine.cpu_model}; build ${cpp.build_type}; ${cpp.started_utc}`);
console.log(`rivetkit-cpp:    ${cpp.server.durability}`);
console.log(`rivetkit 2.3.19: ${up.server.durability}`);
if (eng) console.log(`rivetkit-cpp on engine: ${eng.server.durability}`);
console.log(`command: ${cpp.command}`);
console.log();
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
for (const n of [...(cpp.notes ?? []), ...(up.notes ?? []), ...(eng?.notes ?? [])]) console.log(`note: ${n}`);

if (outPath) {
  writeFileSync(
    outPath,
    JSON.stringify({ rivetkit_cpp: cpp, upstream: up, rivetkit_cpp_engine: eng, table: { header, rows } }, null, 2) + "\n",
  );
  console.log(`\nresults: ${outPath}`);
}
