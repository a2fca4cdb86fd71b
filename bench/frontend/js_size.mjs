// Gzipped bytes of the JavaScript a browser loads to show `/` of a built frontend: the entry and
// modulepreloads of dist/index.html, plus the home page's lazy chunk, each with its static imports.
// The same rule as crates/lamina/tests/generated_project.rs (which holds the 150 KB budget).
//   node js_size.mjs <frontend>/dist [page]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2];
const page = process.argv[3] ?? "home";
const assets = join(dist, "assets");
const html = readFileSync(join(dist, "index.html"), "utf8");
const todo = [...html.matchAll(/"\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
todo.push(readdirSync(assets).find((n) => n.startsWith(`${page}-`) && n.endsWith(".js")));
const seen = new Map();
while (todo.length > 0) {
  const name = todo.pop();
  if (seen.has(name)) continue;
  const code = readFileSync(join(assets, name), "utf8");
  seen.set(name, gzipSync(code).length);
  for (const m of code.matchAll(/(?:from|import)"\.\/([^"]+\.js)"/g)) todo.push(m[1]);
}
let total = 0;
for (const [name, size] of [...seen].sort()) {
  total += size;
  console.log(`${String(size).padStart(8)}  ${name}`);
}
console.log(`${String(total).padStart(8)}  total (gzip -6), budget 150000`);
