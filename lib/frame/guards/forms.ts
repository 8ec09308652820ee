/*
 * Forms. With no allow-forms, Chromium drops a submission before the
 * `submit` event fires, so a form handled in script (a filter box, a
 * calculator) would never hear of it. Emulate the event: after a click on
 * a submit button that the page did not cancel (Enter in a field clicks
 * the default button too), and on requestSubmit(), validate and fire
 * `submit`. Nothing is ever sent: the browser's own submission stays
 * blocked by the sandbox and by form-action 'none'.
 */
import {
  HTMLButtonElementCtor,
  HTMLFormElementP,
  HTMLInputElementCtor,
  SubmitEventCtor,
  addListener,
  buttonForm,
  buttonNoValidate,
  buttonType,
  collectionItem,
  collectionLength,
  composedPath,
  defaultPrevented,
  dispatch,
  eventKey,
  formElements,
  formNoValidate,
  inputForm,
  inputNoValidate,
  inputType,
  replaceMethod,
  reportValidity,
  setTimer,
  win,
} from '../intrinsics';

type Submitter = HTMLButtonElement | HTMLInputElement;

const isButton = (el: unknown): el is HTMLButtonElement => el instanceof HTMLButtonElementCtor;
const isInput = (el: unknown): el is HTMLInputElement => el instanceof HTMLInputElementCtor;

const fireSubmit = (form: HTMLFormElement, submitter: Submitter | null): void => {
  const skipValidation =
    formNoValidate(form) || (submitter !== null && (isButton(submitter) ? buttonNoValidate(submitter) : inputNoValidate(submitter)));
  if (!skipValidation && !reportValidity(form)) return;
  dispatch(form, new SubmitEventCtor('submit', { bubbles: true, cancelable: true, submitter } as EventInit));
};

/** The form a control submits, if it is a submit button. */
const submitsForm = (el: unknown): HTMLFormElement | null => {
  if (isButton(el)) return buttonType(el) === 'submit' ? buttonForm(el) : null;
  if (isInput(el)) return inputType(el) === 'submit' || inputType(el) === 'image' ? inputForm(el) : null;
  return null;
};

const onSubmitterClick = (event: Event): void => {
  const path = composedPath(event);
  for (let i = 0; i < path.length; i++) {
    const el = path[i];
    if (!isButton(el) && !isInput(el)) continue;
    const form = submitsForm(el);
    // Only the innermost control counts; a task later, every listener has
    // had its say on whether this click submits.
    if (form !== null) setTimer(() => defaultPrevented(event) || fireSubmit(form, el), 0);
    return;
  }
};

// Enter in a field of a form with a submit button clicks that button (see
// above). Without one, the HTML spec submits the form directly, provided it
// has at most one field of the kinds below.
const IMPLICIT_SUBMIT_TYPES = ['text', 'search', 'url', 'tel', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local', 'number'];

const submitsWithoutButton = (form: HTMLFormElement): boolean => {
  const controls = formElements(form) as unknown as HTMLCollection;
  let fields = 0;
  for (let i = 0; i < collectionLength(controls); i++) {
    const el = collectionItem(controls, i);
    if (submitsForm(el) === form) return false;
    if (isInput(el) && IMPLICIT_SUBMIT_TYPES.indexOf(inputType(el)) >= 0) fields++;
  }
  return fields <= 1;
};

export const installFormGuard = (): void => {
  addListener(win, 'click', onSubmitterClick, true);
  addListener(
    win,
    'keydown',
    (event: Event) => {
      const el = composedPath(event)[0];
      if (eventKey(event as KeyboardEvent) !== 'Enter' || !isInput(el) || IMPLICIT_SUBMIT_TYPES.indexOf(inputType(el)) < 0) return;
      const form = inputForm(el);
      if (form !== null && submitsWithoutButton(form)) setTimer(() => defaultPrevented(event) || fireSubmit(form, null), 0);
    },
    true,
  );
  replaceMethod(HTMLFormElementP, 'requestSubmit', () =>
    function requestSubmit(this: HTMLFormElement, submitter?: Submitter | null) {
      fireSubmit(this, submitter === undefined ? null : submitter);
    });
};
