//! The browsable API reference at `/api/v1/docs`: one self-contained page
//! (no CDN, nothing fetched but the server's own `openapi.json`) that lists
//! every operation with its permission, parameters, body and answers.

pub const DOCS_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Settle API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f6f7f9; }
  header { background: #1f3a5f; color: #fff; padding: 1rem 2rem; }
  header h1 { margin: 0; font-size: 1.4rem; }
  main { max-width: 72rem; margin: 0 auto; padding: 1rem 2rem 4rem; }
  nav a { margin-right: .8rem; }
  section.op { background: #fff; border: 1px solid #d8dde3; border-radius: 6px; margin: .8rem 0; }
  section.op > h3 { margin: 0; padding: .6rem .8rem; font-size: 1rem; cursor: pointer; display: flex; gap: .8rem; align-items: baseline; }
  section.op > div { padding: 0 .8rem .8rem; display: none; }
  section.op.open > div { display: block; }
  .m { font: 600 .8rem ui-monospace, monospace; padding: .1rem .45rem; border-radius: 4px; color: #fff; min-width: 3.5rem; text-align: center; }
  .get { background: #2f6f4e; } .post { background: #1f5fa8; } .delete { background: #a83a1f; } .put, .patch { background: #8a5a00; }
  code, pre { font: .85rem ui-monospace, monospace; }
  pre { background: #f0f2f5; padding: .6rem; overflow: auto; border-radius: 4px; }
  .perm { margin-left: auto; font-size: .8rem; color: #4a5a6a; }
  table { border-collapse: collapse; } td, th { text-align: left; padding: .2rem .6rem .2rem 0; vertical-align: top; }
  a:focus, h3:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
</style>
</head>
<body>
<header><h1>Settle API reference</h1><div id="version"></div></header>
<main>
<p>Authenticate with <code>Authorization: Bearer &lt;API token&gt;</code> (create one with <code>settle token create</code>)
or with the session cookie from <code>POST /api/v1/auth/login</code>. Amounts are decimal strings in the account's currency;
dates are ISO 8601. Errors are <code>application/problem+json</code> (RFC 9457) naming the field at fault. Every POST takes an
<code>Idempotency-Key</code>. The machine-readable document is <a href="/api/v1/openapi.json">openapi.json</a>.</p>
<nav id="tags"></nav> <a href="#expand" onclick="setTimeout(() => location.reload())">expand all</a>
<div id="ops">Loading…</div>
</main>
<script>
const el = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, attrs); kids.forEach(k => e.append(k)); return e; };
function schemaText(schema, doc, depth = 0) {
  if (!schema) return "";
  if (schema.$ref) { const name = schema.$ref.split("/").pop(); return depth > 2 ? name : name + " " + schemaText(doc.components.schemas[name], doc, depth + 1); }
  if (schema.type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"))) return "[" + schemaText(schema.items, doc, depth + 1) + "]";
  if (schema.properties) {
    const req = new Set(schema.required || []);
    const pad = "  ".repeat(depth + 1);
    return "{\n" + Object.entries(schema.properties).map(([k, v]) => pad + k + (req.has(k) ? "" : "?") + ": " + schemaText(v, doc, depth + 1) + (v.description ? "  // " + v.description.split("\n")[0] : "")).join("\n") + "\n" + "  ".repeat(depth) + "}";
  }
  if (schema.oneOf) return schema.oneOf.map(s => schemaText(s, doc, depth)).join(" | ");
  if (schema.enum) return schema.enum.map(v => JSON.stringify(v)).join(" | ");
  const t = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
  return t + (schema.format ? " (" + schema.format + ")" : "");
}
fetch("/api/v1/openapi.json").then(r => r.json()).then(doc => {
  document.getElementById("version").textContent = doc.info.title + " " + doc.info.version + " · OpenAPI " + doc.openapi;
  const ops = document.getElementById("ops"); ops.textContent = "";
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags || ["other"])[0]; (byTag[tag] = byTag[tag] || []).push([method, path, op]);
  }
  const nav = document.getElementById("tags");
  for (const [tag, list] of Object.entries(byTag)) {
    nav.append(el("a", { href: "#tag-" + tag, textContent: tag }));
    ops.append(el("h2", { id: "tag-" + tag, textContent: tag }));
    for (const [method, path, op] of list) {
      const sec = op.security || [];
      const scopes = sec.flatMap(s => Object.values(s).flat());
      const perm = sec.length === 0 || sec.every(s => Object.keys(s).length === 0) ? "public" : (scopes[0] || "any logged-in user");
      const h = el("h3", { tabIndex: 0 }, el("span", { className: "m " + method, textContent: method.toUpperCase() }), el("code", { textContent: path }), el("span", { textContent: op.summary || "" }), el("span", { className: "perm", textContent: "needs: " + perm }));
      const body = el("div");
      if (op.description) body.append(el("p", { textContent: op.description }));
      if (op.parameters && op.parameters.length) {
        const t = el("table", {}, el("tr", {}, el("th", { textContent: "parameter" }), el("th", { textContent: "in" }), el("th", { textContent: "type" }), el("th", { textContent: "about" })));
        op.parameters.forEach(p => t.append(el("tr", {}, el("td", {}, el("code", { textContent: p.name + (p.required ? "" : "?") })), el("td", { textContent: p.in }), el("td", { textContent: schemaText(p.schema, doc) }), el("td", { textContent: p.description || "" }))));
        body.append(t);
      }
      const rb = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (rb) body.append(el("h4", { textContent: "Body" }), el("pre", { textContent: schemaText(rb.schema, doc) }));
      body.append(el("h4", { textContent: "Answers" }));
      for (const [status, resp] of Object.entries(op.responses || {})) {
        const content = resp.content ? Object.values(resp.content)[0] : null;
        body.append(el("p", {}, el("strong", { textContent: status + " " }), resp.description || ""));
        if (content && content.schema && status < "400") body.append(el("pre", { textContent: schemaText(content.schema, doc) }));
      }
      const section = el("section", { className: "op" + (location.hash === "#expand" ? " open" : "") }, h, body);
      const toggle = () => section.classList.toggle("open");
      h.addEventListener("click", toggle);
      h.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
      ops.append(section);
    }
  }
}).catch(e => { document.getElementById("ops").textContent = "Could not load openapi.json: " + e; });
</script>
</body>
</html>
"##;
