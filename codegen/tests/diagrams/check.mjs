// Parses every Mermaid diagram in the Markdown files given, with Mermaid itself (in jsdom, as a
// browser would run it): a diagram that GitHub would show as an error fails here instead.
// usage: node check.mjs FILE.md...   (NODE_PATH: the node_modules holding mermaid and jsdom)
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// The packages live in the tools folder, not beside this script.
const modules = process.env.MERMAID_MODULES;
const load = (name) => import(createRequire(path.join(modules, "x.js")).resolve(name));
const { JSDOM } = await load("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await load("mermaid");
mermaid.initialize({ startOnLoad: false });
let bad = 0, n = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  for (const m of text.matchAll(/```mermaid\n([\s\S]*?)```/g)) {
    n++;
    try { await mermaid.parse(m[1]); console.log(`ok ${file}`); }
    catch (e) { bad++; console.log(`INVALID ${file}: ${String(e.message || e).split("\n").slice(0,4).join(" | ")}`); }
  }
}
console.log(JSON.stringify({ diagrams: n, invalid: bad }));
process.exit(bad ? 1 : 0);
