// @vitest-environment happy-dom
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Field, type FieldControlProps } from '../../app/_components/field';

/** The label names the control; the hint and the error describe it; an error marks it invalid. */
function render(element: ReactElement): Document {
  return new DOMParser().parseFromString(`<!doctype html><body>${renderToStaticMarkup(element)}</body>`, 'text/html');
}

const input = (control: FieldControlProps) => createElement('input', control);

describe('Field', () => {
  it('points its label at the control and describes it with the hint', () => {
    const doc = render(createElement(Field, { label: 'Name', hint: 'Say where it runs.', children: input }));
    const control = doc.querySelector('input')!;
    expect(doc.querySelector(`label[for="${control.id}"]`)?.textContent).toBe('Name');
    expect(doc.getElementById(control.getAttribute('aria-describedby')!)?.textContent).toBe('Say where it runs.');
    expect(control.hasAttribute('aria-invalid')).toBe(false);
  });

  it('with an error: invalid, described by any other ids, the hint and the error, in that order', () => {
    const doc = render(
      createElement(Field, { id: 'days', label: 'Days', hint: '1 to 3650', hintInline: true, error: 'Enter a whole number.', describedBy: 'form-error', children: input }),
    );
    const control = doc.getElementById('days')!;
    expect(control.getAttribute('aria-invalid')).toBe('true');
    const ids = control.getAttribute('aria-describedby')!.split(' ');
    expect(ids[0]).toBe('form-error');
    expect(ids.slice(1).map((id) => doc.getElementById(id)?.textContent)).toEqual(['1 to 3650', 'Enter a whole number.']);
  });

  it('marks an optional field in its label, and leaves a control with nothing to describe it alone', () => {
    const doc = render(createElement(Field, { label: 'Email', optional: true, children: input }));
    expect(doc.querySelector('label')?.textContent).toBe('Email (optional)');
    expect(doc.querySelector('input')?.hasAttribute('aria-describedby')).toBe(false);
  });
});
