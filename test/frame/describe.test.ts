// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { describePicked, shorten } from '../../lib/frame/overlay/describe';

const PAGE = `
<h1>Incident report</h1>
<p id="intro">Short intro.</p>
<h2>Impact</h2>
<svg id="chart" width="600" height="300"><polyline id="line" points="0,0 10,10"/><g><circle id="dot" r="3"/></g></svg>
<canvas id="canvas"></canvas>
<h2>Timeline</h2>
<p id="latency">Latency rose after the deploy of the new cache layer at 09:14, then fell.</p>
<ul id="steps"><li id="step">Rolled back</li></ul>
<h2>Results</h2>
<table id="results"><tr><td id="cell"></td></tr></table>
<img id="img" alt="Error rate by region">
<img id="bare">
<figure id="fig"><svg><rect/></svg><figcaption>Requests per second</figcaption></figure>
<svg id="labelled" aria-label="p99 latency"><path id="path"/></svg>
<button id="btn">Retry</button>
<div id="empty"></div>
`;

const $ = (id: string) => document.getElementById(id)!;

describe('describePicked', () => {
  beforeEach(() => {
    document.body.innerHTML = PAGE;
  });

  it('names a script-drawn shape as the chart it is part of, under its heading', () => {
    expect(describePicked($('line'))).toBe('chart in Impact');
    expect(describePicked($('dot'))).toBe('chart in Impact');
    expect(describePicked($('chart'))).toBe('chart in Impact');
    expect(describePicked($('canvas'))).toBe('chart in Impact');
    expect(describePicked($('path'))).toBe('chart “p99 latency” in Results');
  });

  it('quotes text, cut at a word with an ellipsis', () => {
    expect(describePicked($('latency'))).toBe('“Latency rose after the deploy of the…” in Timeline');
    expect(describePicked($('step'))).toBe('“Rolled back” in Timeline');
    expect(describePicked($('intro'))).toBe('“Short intro.” in Incident report');
  });

  it('says what a block is rather than reading all of its text', () => {
    expect(describePicked($('results'))).toBe('table in Results');
    expect(describePicked($('cell'))).toBe('table in Results');
    expect(describePicked($('steps'))).toBe('list in Timeline');
  });

  it('names images by their alt text, figures by their caption', () => {
    expect(describePicked($('img'))).toBe('image: Error rate by region in Results');
    expect(describePicked($('bare'))).toBe('image in Results');
    expect(describePicked($('fig'))).toBe('figure: Requests per second in Results');
  });

  it('names headings, controls and empty boxes', () => {
    expect(describePicked(document.querySelector('h2')!)).toBe('heading “Impact”');
    expect(describePicked($('btn'))).toBe('button “Retry” in Results');
    expect(describePicked($('empty'))).toBe('element in Results');
  });

  it('quotes a text selection', () => {
    expect(describePicked($('latency'), 'the new cache layer')).toBe('“the new cache layer” in Timeline');
  });

  it('has no "in" before the first heading, and stays within 200 characters', () => {
    document.body.innerHTML = `<p id="p">${'word '.repeat(100)}</p><h2>${'Long heading '.repeat(30)}</h2><p id="q">x</p>`;
    expect(describePicked($('p'))).toBe(`“${'word '.repeat(8).trim()}…”`);
    expect(describePicked($('q')).length).toBeLessThanOrEqual(200);
    expect(describePicked($('q'))).toMatch(/^“x” in Long heading .*…$/);
  });

  it('shortens without breaking inside a word when it can', () => {
    expect(shorten('alpha beta gamma', 12)).toBe('alpha beta…');
    expect(shorten('  spaced   out  ', 40)).toBe('spaced out');
  });
});
