#!/usr/bin/env node
// Code in the docs compiles. Every C++ block (```cpp, ```c++) in README.md and docs/*.md carries a
// marker on the nearest non-blank line above its opening fence:
//
//   <!-- snippet: examples/counter/main.cpp -->   the block stands verbatim in that file, which
//                                                  the build compiles; a line `// ...` splits the
//                                                  block into pieces that stand in the file in
//                                                  order (each may be indented there as a whole)
//   <!-- compile -->                               the block is a whole translation unit; the
//                                                  build compiles it (tests/docs/CMakeLists.txt)
//   <!-- not-compiled: reason -->                  not C++ that could compile (a fragment of a
//                                                  declaration, pseudo code); the reason is said
//
// Other languages (js, sh, ...) are not checked.
//
//   node scripts/doc-code.mjs check          checks the markers and the snippets (lint-invariants)
//   node scripts/doc-code.mjs extract DIR    writes each `compile` block to DIR/<doc>_<n>.cpp,
//                                            removes other .cpp files there, prints the paths

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CPP_LANGUAGES = new Set(["cpp", "c++", "cxx", "cc", "hpp"]);
// Snippets must come from files the build compiles.
const SNIPPET_ROOTS = ["examples/", "apps/", "src/", "tests/", "include/rivet/"];
const MARKER = /^<!--\s*(snippet|compile|not-compiled)\s*(?::\s*(.*?))?\s*-->$/;
const ELISION = "// ...";

/** README.md and docs/*.md, relative to the repository root. */
function documents() {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** The fenced blocks of a Markdown text: {language, line (1-based, of the first code line), code, marker}. */
function blocks(text) {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(lines[end])) end++;
    let above = i - 1;
    while (above >= 0 && lines[above].trim() === "") above--;
    const marker = above >= 0 ? MARKER.exec(lines[above].trim()) : null;
    out.push({
      language: open[2].toLowerCase(),
      line: i + 2,
      code: lines.slice(i + 1, end),
      marker: marker ? { kind: marker[1], arg: marker[2] ?? "" } : null,
    });
    i = end;
  }
  return out;
}

function trimBlank(lines) {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === "") a++;
  while (b > a && lines[b - 1].trim() === "") b--;
  return lines.slice(a, b);
}

/** The block's pieces: the code split at `// ...` lines, without blank edges, trailing blanks cut. */
function pieces(code) {
  const out = [[]];
  for (const line of code) {
    if (line.trim() === ELISION) out.push([]);
    else out[out.length - 1].push(line.trimEnd());
  }
  return out.map(trimBlank).filter((p) => p.length > 0);
}

/** Index in `file` (from `from`) where `piece` starts, allowing one extra indent for all its lines. */
function find(file, piece, from) {
  for (let i = from; i + piece.length <= file.length; i++) {
    const first = file[i];
    if (!first.endsWith(piece[0])) continue;
    const indent = first.slice(0, first.length - piece[0].length);
    if (indent.trim() !== "") continue;
    let ok = true;
    for (let j = 1; j < piece.length && ok; j++) {
      ok = piece[j] === "" ? file[i + j] === "" : file[i + j] === indent + piece[j];
    }
    if (ok) return i;
  }
  return -1;
}

/** Problems with one C++ block, as strings. */
function checkBlock(doc, block) {
  const where = `${doc}:${block.line - 1}`;
  const m = block.marker;
  if (!m) {
    return [`${where}: a C++ block without a marker (<!-- snippet: FILE -->, <!-- compile --> or <!-- not-compiled: reason -->)`];
  }
  if (m.kind === "not-compiled") {
    return m.arg ? [] : [`${where}: <!-- not-compiled --> needs a reason`];
  }
  if (m.kind === "compile") {
    return m.arg ? [`${where}: <!-- compile --> takes no argument`] : [];
  }
  const source = m.arg;
  if (!SNIPPET_ROOTS.some((r) => source.startsWith(r)) || source.includes("..")) {
    return [`${where}: snippet ${source} is not under ${SNIPPET_ROOTS.join(", ")}`];
  }
  const file = path.join(ROOT, source);
  if (!fs.existsSync(file)) return [`${where}: snippet source ${source} does not exist`];
  const lines = fs.readFileSync(file, "utf8").split("\n").map((l) => l.trimEnd());
  const parts = pieces(block.code);
  if (parts.length === 0) return [`${where}: empty snippet`];
  let at = 0;
  for (const [n, piece] of parts.entries()) {
    const found = find(lines, piece, at);
    if (found < 0) {
      const label = parts.length > 1 ? `piece ${n + 1} of the block (from "${piece[0].trim()}")` : "the block";
      return [`${where}: ${label} does not stand verbatim in ${source}${n > 0 ? " after the previous piece" : ""}`];
    }
    at = found + piece.length;
  }
  return [];
}

function check() {
  const problems = [];
  const counts = { snippet: 0, compile: 0, "not-compiled": 0 };
  for (const doc of documents()) {
    for (const block of blocks(fs.readFileSync(path.join(ROOT, doc), "utf8"))) {
      if (!CPP_LANGUAGES.has(block.language)) {
        if (block.marker) {
          problems.push(`${doc}:${block.line - 1}: a <!-- ${block.marker.kind} --> marker on a "${block.language}" block (only C++ blocks are checked)`);
        }
        continue;
      }
      problems.push(...checkBlock(doc, block));
      if (block.marker) counts[block.marker.kind]++;
    }
  }
  if (problems.length > 0) {
    console.error("doc-code: C++ blocks in the docs that are not checked to compile:");
    for (const p of problems) console.error(`  ${p}`);
    console.error("  (scripts/doc-code.mjs explains the markers)");
    process.exit(1);
  }
  console.log(`doc-code: ok (${counts.snippet} snippets, ${counts.compile} compiled blocks, ${counts["not-compiled"]} not compiled)`);
}

function extract(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const written = new Set();
  for (const doc of documents()) {
    let n = 0;
    for (const block of blocks(fs.readFileSync(path.join(ROOT, doc), "utf8"))) {
      if (!CPP_LANGUAGES.has(block.language) || block.marker?.kind !== "compile") continue;
      n++;
      const name = `${doc.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "_")}_${n}.cpp`;
      // Compiler messages point at the document's own lines.
      const text = `#line ${block.line} "${path.join(ROOT, doc)}"\n${block.code.join("\n")}\n`;
      const file = path.join(dir, name);
      if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
      written.add(name);
      console.log(file);
    }
  }
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith(".cpp") && !written.has(f)) fs.rmSync(path.join(dir, f));
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === "check") {
  check();
} else if (mode === "extract" && arg) {
  extract(path.resolve(arg));
} else {
  console.error("usage: node scripts/doc-code.mjs check | extract DIR");
  process.exit(2);
}
