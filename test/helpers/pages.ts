/** Deterministic pages like the ones agents write, for the incremental render's tests and benchmark. */

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

export const WORDS = ['incident', 'latency', 'p99', 'rollback', 'the', 'deploy', 'naïve', '😀', '&amp;', '&lt;', 'x&y', 'café', 'AT&T', '&nbsp;'];

export function sentence(random: () => number): string {
  const n = 3 + Math.floor(random() * 12);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const word = pick(random, WORDS);
    const r = random();
    out.push(r < 0.06 ? `<b>${word}</b>` : r < 0.1 ? `<a href="#x">${word}</a>` : r < 0.13 ? `<code>${word}</code>` : word);
  }
  return out.join(' ');
}

/** A page like the ones agents write: head with style and script, sections of paragraphs, lists, a table, an SVG chart. */
export function page(random: () => number, sections: number, newline = '\n'): string {
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>Report</title>');
  parts.push('<style>body { font: 14px sans-serif } .card > p { margin: 0 }</style>', '</head>', '<body>');
  parts.push('<header><h1>Incident report</h1><nav><a href="#a">A</a> · <a href="#b">B</a></nav></header>', '<main>');
  for (let s = 0; s < sections; s++) {
    parts.push(`<section id="s${s}">`, `<h2>Section ${s}</h2>`);
    const blocks = 2 + Math.floor(random() * 5);
    for (let b = 0; b < blocks; b++) {
      const kind = random();
      if (kind < 0.55) parts.push(`<p>${sentence(random)}</p>`);
      else if (kind < 0.7) parts.push(`<ul>${Array.from({ length: 3 }, () => `<li>${sentence(random)}</li>`).join('')}</ul>`);
      else if (kind < 0.78)
        parts.push(`<table><thead><tr><th>k</th><th>v</th></tr></thead><tbody><tr><td>${sentence(random)}</td><td>3</td></tr></tbody></table>`);
      else if (kind < 0.85) parts.push(`<div class="card"><p>${sentence(random)}</p><p>${sentence(random)}</p></div>`);
      else if (kind < 0.9) parts.push('<svg viewBox="0 0 10 10"><polyline points="0,0 5,5 10,2"/><circle cx="1" cy="1" r="1"></circle></svg>');
      else if (kind < 0.94) parts.push(`<script>window.n = (window.n || 0) + 1; if (1 < 2) { document.title = "<p>"; }</script>`);
      else if (kind < 0.97) parts.push(`<!-- note ${s}.${b} --><details><summary>More</summary><p>${sentence(random)}</p></details>`);
      else parts.push(`<pre>\n  code ${s}\n</pre>`);
    }
    parts.push('</section>');
  }
  parts.push('</main>', '<footer><p>Generated</p></footer>', '</body>', '</html>', '');
  return parts.join(newline);
}

