// Standoff's desk: where journalists record, correct, review and publish, through the public
// GraphQL API only, with the token they sign in with (kept in sessionStorage, sent as a bearer
// header). The page's data block carries the vocabulary in words and each category's default
// intensity, from the server's one table of them. Everything from the data is drawn with
// textContent: nothing is parsed as HTML.
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('desk-data').textContent);
  const WORDS = DATA.words;
  const TOKEN_KEY = 'standoff-desk-token';
  const PUBLICATION = { DRAFT: 'Draft', IN_REVIEW: 'In review', SCHEDULED: 'Scheduled', PUBLISHED: 'Published' };
  const PRECISION = { MINUTE: 'to the minute', DAY: 'to the day', MONTH: 'to the month', YEAR: 'to the year' };

  const FIELDS = `id title summary quote place magnitude kind category status intensity intensityReason
    occurredAt occurredUntil edtf precision displayDate dateText retracted revision
    publication publishAt recordedBy approvedBy publishedBy
    actor { slug name side } targets { slug name }
    citations { excerpt source { id title publisher url } }
    respondsTo { stance respondsTo { id title } }`;
  const TIMELINE = `query DeskTimeline($slug: String!, $after: String) {
    story(slug: $slug) { slug title timeZone reviewRequired
      actions(filter: { includeRetracted: true }, order: DESC, first: 50, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } } } }`;

  /** An error the service gave, with its code and the input field it concerns, if any. */
  class DeskError extends Error {
    constructor(message, code, field) {
      super(message);
      this.code = code;
      this.field = field;
    }
  }

  let token = sessionStorage.getItem(TOKEN_KEY);
  let me = null;
  let stories = [];
  let story = null;
  let actions = [];
  let nextCursor = null;
  let actors = [];
  let sources = [];
  let socket = null;

  const $ = (id) => document.getElementById(id);
  const announce = (text) => {
    $('announce').textContent = '';
    window.setTimeout(() => { $('announce').textContent = text; }, 50);
  };

  /** Makes an element: `h('p', { class: 'x' }, 'text', child)`. */
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  async function api(query, variables = {}) {
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new DeskError('The service cannot be reached. Check your connection and try again.', 'UNREACHABLE');
    }
    let body;
    try {
      body = await response.json();
    } catch (err) {
      throw new DeskError(`The service answered with an error (HTTP ${response.status}).`, 'INTERNAL');
    }
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      const ext = first.extensions || {};
      throw new DeskError(first.message, ext.code, ext.field);
    }
    return body.data;
  }

  // ---- Signing in and out -------------------------------------------------------------------

  async function signIn(candidate) {
    token = candidate;
    const data = await api('query DeskMe { me { name role } }');
    if (!data.me) throw new DeskError('That token is not valid.', 'UNAUTHENTICATED');
    me = data.me;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('who-name').textContent = me.name;
    $('who-role').textContent = me.role === 'ADMIN' ? 'admin' : 'editor';
    $('who').hidden = false;
    $('sign-in').hidden = true;
    $('desk').hidden = false;
    await openDesk();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    me = null;
    if (socket) socket.close();
    socket = null;
    $('who').hidden = true;
    $('desk').hidden = true;
    $('desk').replaceChildren();
    $('sign-in').hidden = false;
    $('token').value = '';
    $('token-error').textContent = '';
    $('token').focus();
    announce('Signed out. The token was forgotten.');
  }

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    const error = $('token-error');
    error.textContent = '';
    $('token').removeAttribute('aria-invalid');
    if (!value) {
      error.textContent = 'Paste your desk token.';
      $('token').setAttribute('aria-invalid', 'true');
      $('token').focus();
      return;
    }
    try {
      await signIn(value);
    } catch (err) {
      token = null;
      error.textContent = err.code === 'UNAUTHENTICATED'
        ? 'That token is not valid, or it was revoked. Ask your Standoff admin for a new one.'
        : err.message;
      $('token').setAttribute('aria-invalid', 'true');
      $('token').focus();
    }
  });
  $('sign-out').addEventListener('click', signOut);

  // ---- The desk -------------------------------------------------------------------------------

  async function openDesk() {
    const data = await api(`query DeskSetup { stories(first: 100) { nodes { slug title reviewRequired timeZone } }
      actors(first: 100) { nodes { slug name side } } }`);
    stories = data.stories.nodes;
    actors = data.actors.nodes;
    await loadSources();
    const desk = $('desk');
    const picker = h('select', { id: 'story-picker', onchange: () => chooseStory(picker.value) },
      stories.map((s) => h('option', { value: s.slug, text: s.title })));
    desk.replaceChildren(
      h('div', { class: 'toolbar' },
        h('label', { for: 'story-picker', text: 'Story' }), picker,
        h('button', { type: 'button', class: 'primary', id: 'new-action', onclick: () => openEditor(null) }, 'Record an action'),
        me.role === 'ADMIN'
          ? h('button', { type: 'button', id: 'manage', onclick: openAdmin }, 'Stories and tokens')
          : null),
      h('div', { class: 'columns' },
        h('section', { class: 'panel', id: 'timeline', 'aria-labelledby': 'timeline-heading' },
          h('h1', { id: 'timeline-heading', text: 'Timeline' }),
          h('p', { class: 'help', text: 'Newest first. Drafts, actions in review and scheduled ones are seen by editors only.' }),
          h('ol', { class: 'actions', id: 'actions' }),
          h('button', { type: 'button', id: 'more', hidden: true, onclick: () => loadTimeline(true) }, 'Show older actions')),
        h('section', { class: 'panel', id: 'editor', hidden: true, 'aria-labelledby': 'editor-heading' }),
        h('section', { class: 'panel', id: 'admin', hidden: true, 'aria-labelledby': 'admin-heading' })),
      h('dialog', { id: 'dialog', 'aria-labelledby': 'dialog-heading' }));
    if (!stories.length) {
      $('actions').replaceChildren(h('li', { class: 'empty', text: me.role === 'ADMIN' ? 'No stories yet: make one under "Stories and tokens".' : 'No stories yet: ask an admin to make one.' }));
      return;
    }
    await chooseStory(stories[0].slug);
  }

  async function loadSources() {
    const data = await api('query DeskSources { sources(first: 100) { nodes { id title publisher url } } }');
    sources = data.sources.nodes;
  }

  async function chooseStory(slug) {
    story = stories.find((s) => s.slug === slug) || null;
    await loadTimeline(false);
    follow();
  }

  async function loadTimeline(more) {
    if (!story) return;
    const data = await api(TIMELINE, { slug: story.slug, after: more ? nextCursor : null });
    story = { ...story, ...data.story, actions: undefined };
    const page = data.story.actions;
    actions = more ? actions.concat(page.nodes) : page.nodes;
    nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    $('timeline-heading').textContent = `Timeline: ${story.title}`;
    $('more').hidden = !nextCursor;
    drawTimeline();
  }

  /** When a publication is due, in the editor's own time. */
  function when(instant) {
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(instant));
  }

  function drawTimeline() {
    const list = $('actions');
    list.replaceChildren(...actions.map(item));
    if (!actions.length) list.append(h('li', { class: 'empty', text: 'Nothing recorded in this story yet.' }));
  }

  /** One action on the desk: its state, what it says, and what can be done with it now. */
  function item(a) {
    const state = a.retracted ? 'RETRACTED' : a.publication;
    const label = a.retracted ? 'Retracted' : PUBLICATION[a.publication];
    const who = [
      a.recordedBy && `Recorded by ${a.recordedBy}`,
      a.approvedBy && `approved by ${a.approvedBy}`,
      a.publication === 'SCHEDULED' && a.publishAt && `scheduled for ${when(a.publishAt)}`,
      a.publication === 'PUBLISHED' && a.publishedBy && `published by ${a.publishedBy}`,
      a.revision > 1 && `revision ${a.revision}`,
    ].filter(Boolean).join(' · ');
    return h('li', { class: `item state-${state}`, id: `item-${a.id}` },
      h('p', { class: 'meta' },
        h('span', { class: `badge badge-${state}`, text: label }), ' ',
        h('span', { text: a.displayDate }), ' · ',
        h('span', { text: `${a.actor.name} (${WORDS.sides[a.actor.side]})` })),
      h('h2', { text: a.title }),
      who ? h('p', { class: 'small', text: who }) : null,
      h('div', { class: 'buttons' }, buttonsFor(a)));
  }

  function buttonsFor(a) {
    const b = (text, onclick, cls) => h('button', { type: 'button', class: cls || null, onclick, 'aria-describedby': `item-${a.id}` }, text);
    const out = [];
    if (a.retracted) {
      out.push(b('Restore…', () => askReason(a, 'restore')));
      return out;
    }
    out.push(b(a.publication === 'PUBLISHED' ? 'Correct' : 'Edit', () => openEditor(a)));
    const review = story.reviewRequired;
    const mayPublish = !review || Boolean(a.approvedBy);
    if (a.publication === 'DRAFT') {
      out.push(b('Submit for review', () => step(a, 'submitForReview', 'Submitted for review')));
    }
    if (a.publication === 'IN_REVIEW' && !a.approvedBy) {
      if (review && a.recordedBy === me.name) {
        out.push(h('span', { class: 'small', text: 'Waiting for another editor to approve it.' }));
      } else {
        out.push(b('Approve', () => step(a, 'approve', 'Approved'), 'primary'));
      }
    }
    if (a.publication !== 'PUBLISHED' && (a.publication !== 'DRAFT' || !review) && mayPublish) {
      out.push(b('Publish now', () => step(a, 'publish', 'Published'), 'primary'));
      out.push(b(a.publication === 'SCHEDULED' ? 'Reschedule…' : 'Schedule…', () => askSchedule(a)));
    }
    if (a.publication === 'IN_REVIEW' || a.publication === 'SCHEDULED') {
      out.push(b('Back to draft', () => step(a, 'unpublish', 'Back to draft')));
    }
    if (a.publication === 'PUBLISHED') out.push(b('Retract…', () => askReason(a, 'retract')));
    return out;
  }

  /** Runs one step of the workflow and redraws. */
  async function step(a, mutation, done, variables = {}) {
    const args = Object.keys(variables).map((k) => `, ${k}: $${k}`).join('');
    const params = Object.keys(variables).map((k) => `, $${k}: DateTime`).join('');
    try {
      await api(`mutation DeskStep($id: ID!${params}) { ${mutation}(id: $id${args}) { id publication } }`, { id: a.id, ...variables });
      await loadTimeline(false);
      announce(`${done}: ${a.title}`);
      const again = $(`item-${a.id}`);
      if (again) again.querySelector('button')?.focus();
    } catch (err) {
      showDialog('Not done', h('p', { class: 'error', text: err.message }), []);
    }
  }

  // ---- Dialogs --------------------------------------------------------------------------------

  /** Shows the dialog with a heading, a body and buttons; returns it. Esc and Cancel close it
   * and give focus back to where it was. */
  function showDialog(title, body, buttons) {
    const dialog = $('dialog');
    const returnTo = document.activeElement;
    const close = () => {
      dialog.close();
      if (returnTo && document.body.contains(returnTo)) returnTo.focus();
    };
    dialog.replaceChildren(
      h('h2', { id: 'dialog-heading', text: title }),
      body,
      h('div', { class: 'buttons' }, ...buttons.map((x) => x(close)),
        h('button', { type: 'button', onclick: close }, buttons.length ? 'Cancel' : 'Close')));
    dialog.onclose = () => { if (returnTo && document.body.contains(returnTo)) returnTo.focus(); };
    dialog.showModal();
    const first = dialog.querySelector('input, textarea, select, button');
    if (first) first.focus();
    return dialog;
  }

  function askReason(a, what) {
    const verb = what === 'retract' ? 'Retract' : 'Restore';
    const field = fieldBox('reason', 'Reason (readers are shown it)', h('textarea', { id: 'reason', rows: 3, required: true }));
    showDialog(`${verb} “${a.title}”`, field, [(close) => h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        const reason = $('reason').value.trim();
        if (!reason) return setError('reason', 'Say why: readers are shown the reason.');
        try {
          await api(`mutation DeskReason($id: ID!, $reason: String!) { ${what}Action(id: $id, reason: $reason) { id } }`, { id: a.id, reason });
          close();
          await loadTimeline(false);
          announce(`${verb === 'Retract' ? 'Retracted' : 'Restored'}: ${a.title}`);
        } catch (err) {
          setError('reason', err.message);
        }
      },
    }, verb)]);
  }

  function askSchedule(a) {
    const field = fieldBox('publish-at', 'Publish at (your local time)',
      h('input', { id: 'publish-at', type: 'datetime-local', step: 1, required: true }));
    showDialog(`Schedule “${a.title}”`, field, [(close) => h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        const value = $('publish-at').value;
        const at = value ? new Date(value) : null;
        if (!at || Number.isNaN(at.getTime())) return setError('publish-at', 'Give a date and time.');
        if (at <= new Date()) return setError('publish-at', 'Give a time in the future, or publish now.');
        close();
        await step(a, 'publish', `Scheduled for ${when(at)}`, { at: at.toISOString() });
      },
    }, 'Schedule')]);
  }

  // ---- The form -------------------------------------------------------------------------------

  /** A labelled field with its help and error lines. */
  function fieldBox(id, label, control, help) {
    const hasHelp = help !== null && help !== undefined;
    const described = [hasHelp ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(' ');
    control.setAttribute('aria-describedby', described);
    return h('div', { class: 'field', id: `${id}-box` },
      h('label', { for: id, text: label }),
      control,
      hasHelp ? h('p', { class: 'help', id: `${id}-help`, text: help }) : null,
      h('p', { class: 'error', id: `${id}-error`, 'aria-live': 'polite' }));
  }

  function setError(id, message) {
    const control = $(id);
    const line = $(`${id}-error`);
    if (!line) return false;
    line.textContent = message || '';
    if (control) {
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
    return !message;
  }

  const select = (id, options, value, extra = {}) => h('select', { id, ...extra },
    options.map(([v, text]) => h('option', { value: v, selected: v === value, text })));
  const entries = (table) => Object.entries(table);
  const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0');

  let editing = null;
  let dateCheck = null;
  let dateTimer = null;
  let links = [];

  /** Opens the form: a new action when `a` is null, else `a` to edit or correct. */
  function openEditor(a) {
    editing = a;
    links = [];
    dateCheck = null;
    const panel = $('editor');
    $('admin').hidden = true;
    const correcting = a && a.publication === 'PUBLISHED';
    const heading = !a ? `Record an action in ${story.title}` : `${correcting ? 'Correct' : 'Edit'}: ${a.title}`;
    const actorOptions = [['', 'Choose who acted…'], ...actors.map((x) => [x.slug, `${x.name} (${WORDS.sides[x.side]})`])];
    const categoryOptions = [['', 'None (context)'], ...entries(WORDS.categories).map(([k, v]) => [k, `${v} (${signed(DATA.intensities[k])})`])];
    const form = h('form', { id: 'action-form', novalidate: true },
      h('p', { class: 'error', id: 'form-error', role: 'alert' }),
      h('div', { class: 'row' },
        fieldBox('f-actor', 'Who acted', select('f-actor', actorOptions, a ? a.actor.slug : '', { required: true, disabled: Boolean(a) }),
          a ? 'An action keeps its actor; record a new action for another.' : null),
        a ? null : h('div', { class: 'field inline-action' }, h('button', { type: 'button', id: 'new-actor', onclick: newActor }, 'New actor…'))),
      fieldBox('f-targets', 'Aimed at (any number; Ctrl or ⌘ to pick several)',
        h('select', { id: 'f-targets', multiple: true, size: 5 },
          actors.map((x) => h('option', { value: x.slug, selected: a && a.targets.some((t) => t.slug === x.slug), text: x.name })))),
      h('div', { class: 'row' },
        fieldBox('f-kind', 'Kind', select('f-kind', entries(WORDS.kinds), a ? a.kind : 'STATEMENT')),
        fieldBox('f-category', 'Category', select('f-category', categoryOptions, a ? a.category || '' : '', { oninput: showIntensity }), ''),
        fieldBox('f-status', 'Words or deeds', select('f-status', entries(WORDS.statuses), a ? a.status : 'CARRIED_OUT'))),
      fieldBox('f-date', 'When it happened', h('input', { id: 'f-date', type: 'text', autocomplete: 'off', required: true, value: a ? a.edtf : '', oninput: checkDateSoon }),
        'As precisely as the source says: 2025, 2025-08, 2025-08-30, 2025-08-30T14:05:00-05:00, 2025-08-11/2025-08-30, or ../2025-08 for "by the end of August".'),
      h('p', { class: 'help', id: 'f-date-known', 'aria-live': 'polite' }),
      fieldBox('f-date-text', 'How the source words the date (optional)', h('input', { id: 'f-date-text', type: 'text', value: a ? a.dateText || '' : '' })),
      fieldBox('f-title', 'Headline', h('input', { id: 'f-title', type: 'text', required: true, maxlength: 300, value: a ? a.title : '', oninput: () => validate('f-title') })),
      fieldBox('f-summary', 'Summary, in our own words (optional)', h('textarea', { id: 'f-summary', rows: 3 }, a ? a.summary || '' : '')),
      fieldBox('f-quote', 'Quote, verbatim as the source gives it (optional)', h('textarea', { id: 'f-quote', rows: 2 }, a ? a.quote || '' : '')),
      h('div', { class: 'row' },
        fieldBox('f-place', 'Place (optional)', h('input', { id: 'f-place', type: 'text', value: a ? a.place || '' : '' })),
        fieldBox('f-magnitude', 'How many (optional)', h('input', { id: 'f-magnitude', type: 'number', min: 0, step: 1, value: a && a.magnitude !== null ? a.magnitude : '', oninput: () => validate('f-magnitude') }))),
      h('div', { class: 'row' },
        fieldBox('f-intensity', 'Intensity override (optional, −10 to +10)', h('input', { id: 'f-intensity', type: 'number', min: -10, max: 10, step: 0.1, value: a && a.intensityReason ? a.intensity : '', oninput: () => validate('f-intensity') })),
        fieldBox('f-intensity-reason', 'Why override it', h('input', { id: 'f-intensity-reason', type: 'text', value: a ? a.intensityReason || '' : '', oninput: () => validate('f-intensity') }))),
      h('fieldset', { id: 'citations' },
        h('legend', { text: 'Sources (at least one)' }),
        h('div', { id: 'citation-rows' }),
        h('p', { class: 'error', id: 'citations-error', 'aria-live': 'polite' }),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', onclick: () => addCitation() }, 'Cite another source'),
          h('button', { type: 'button', id: 'new-source', onclick: newSource }, 'New source…'))),
      h('fieldset', { id: 'answers' },
        h('legend', { text: 'What it answers (optional)' }),
        a && a.respondsTo.length
          ? h('ul', { class: 'small' }, a.respondsTo.map((l) => h('li', { text: `${WORDS.stances[l.stance]} “${l.respondsTo.title}”` })))
          : null,
        fieldBox('f-answer-search', 'Find an action in this story', h('input', { id: 'f-answer-search', type: 'search', oninput: searchAnswersSoon })),
        h('ul', { id: 'answer-results', class: 'results', 'aria-label': 'Actions found' }),
        h('ul', { id: 'answer-links', class: 'links', 'aria-label': 'Actions this one answers' })),
      a ? fieldBox('f-note', correcting ? 'Correction note (readers are shown it)' : 'Note on this edit', h('textarea', { id: 'f-note', rows: 2, required: true, oninput: () => validate('f-note') }, correcting ? '' : 'Edited before publication')) : null,
      h('div', { class: 'buttons' },
        a
          ? h('button', { type: 'button', class: 'primary', onclick: reviewChanges }, 'Review changes')
          : [h('button', { type: 'button', class: 'primary', id: 'save-draft', onclick: () => record(true) }, 'Save as draft'),
            story.reviewRequired ? null : h('button', { type: 'button', id: 'publish-now', onclick: () => record(false) }, 'Publish now')],
        h('button', { type: 'button', onclick: closeEditor }, 'Close')));
    panel.replaceChildren(h('h1', { id: 'editor-heading', text: heading }),
      story.reviewRequired ? h('p', { class: 'help', text: 'This story requires review: save a draft, submit it, and another editor approves it before it is published.' }) : null,
      form);
    panel.hidden = false;
    for (const c of a ? a.citations : [{ source: { id: sources[0] ? sources[0].id : '' }, excerpt: '' }]) addCitation(c.source.id, c.excerpt || '');
    showIntensity();
    if (a) checkDate();
    $('editor-heading').setAttribute('tabindex', '-1');
    $('editor-heading').focus();
  }

  function closeEditor() {
    $('editor').hidden = true;
    $('editor').replaceChildren();
    editing = null;
    $('new-action').focus();
  }

  function showIntensity() {
    const category = $('f-category').value;
    $('f-category-help').textContent = category
      ? `Default intensity ${signed(DATA.intensities[category])} on the scale from −10 (most conflictual) to +10.`
      : 'Without a category the intensity is 0 unless you override it.';
  }

  let citationCount = 0;
  function addCitation(sourceId = '', excerpt = '') {
    citationCount += 1;
    const n = citationCount;
    const row = h('div', { class: 'citation', id: `citation-${n}` },
      h('div', { class: 'field' },
        h('label', { for: `source-${n}`, text: 'Source' }),
        h('select', { id: `source-${n}`, class: 'citation-source' },
          h('option', { value: '', text: 'Choose a source…' }),
          sources.map((s) => h('option', { value: s.id, selected: s.id === sourceId, text: s.publisher ? `${s.title} (${s.publisher})` : s.title })))),
      h('div', { class: 'field' },
        h('label', { for: `excerpt-${n}`, text: 'Passage that supports it (optional)' }),
        h('textarea', { id: `excerpt-${n}`, class: 'citation-excerpt', rows: 2 }, excerpt)),
      h('button', { type: 'button', class: 'quiet', onclick: () => { row.remove(); } }, 'Remove this source'));
    $('citation-rows').append(row);
    return row;
  }

  function citationsInForm() {
    return Array.from(document.querySelectorAll('.citation')).map((row) => ({
      sourceId: row.querySelector('.citation-source').value,
      excerpt: row.querySelector('.citation-excerpt').value.trim() || null,
    }));
  }

  function checkDateSoon() {
    window.clearTimeout(dateTimer);
    dateTimer = window.setTimeout(checkDate, 250);
  }

  /** Asks the service how it reads the date as written: the one date rule, in the core. */
  async function checkDate() {
    const text = $('f-date').value.trim();
    const known = $('f-date-known');
    if (!text) {
      dateCheck = null;
      known.textContent = '';
      return setError('f-date', 'Give the date as the source gives it.');
    }
    try {
      const data = await api('query DeskDate($text: String!) { checkDate(text: $text) { edtf precision displayDate } }', { text });
      if ($('f-date').value.trim() !== text) return true;
      dateCheck = data.checkDate;
      known.textContent = `Known ${PRECISION[dateCheck.precision]}: ${dateCheck.displayDate}`;
      return setError('f-date', '');
    } catch (err) {
      dateCheck = null;
      known.textContent = '';
      return setError('f-date', err.message);
    }
  }

  /** Checks one field as the editor types; true when it is fine. */
  function validate(id) {
    const value = ($(id) && $(id).value || '').trim();
    switch (id) {
      case 'f-actor': return setError(id, value ? '' : 'Choose who acted.');
      case 'f-title':
        if (!value) return setError(id, 'Give a headline.');
        return setError(id, value.length > 300 ? 'Keep the headline to 300 characters.' : '');
      case 'f-magnitude':
        return setError(id, value && !/^\d+$/.test(value) ? 'A whole number, such as 2000.' : '');
      case 'f-intensity': {
        const reason = $('f-intensity-reason').value.trim();
        if (value && (Number.isNaN(Number(value)) || Number(value) < -10 || Number(value) > 10)) return setError(id, 'From −10 to +10.');
        if (value && !reason) return setError(id, 'Say why the default is overridden.');
        return setError(id, '');
      }
      case 'f-note': return setError(id, value ? '' : 'A note is required: it says what changed and why.');
      default: return true;
    }
  }

  async function validateAll() {
    const ids = ['f-title', 'f-magnitude', 'f-intensity'].concat(editing ? ['f-note'] : ['f-actor']);
    let ok = ids.map(validate).every(Boolean);
    ok = (await checkDate()) && ok;
    const cited = citationsInForm().filter((c) => c.sourceId);
    const citesOk = cited.length > 0;
    $('citations-error').textContent = citesOk ? '' : 'Cite at least one source.';
    ok = ok && citesOk;
    if (!ok) {
      const bad = document.querySelector('#action-form [aria-invalid="true"]') || (citesOk ? null : document.querySelector('.citation-source'));
      if (bad) bad.focus();
      $('form-error').textContent = 'Some fields need attention.';
    } else {
      $('form-error').textContent = '';
    }
    return ok;
  }

  /** The form's values as the API's input fields. */
  function formValues() {
    const text = (id) => $(id).value.trim() || null;
    const number = (id) => (text(id) === null ? null : Number(text(id)));
    return {
      targets: Array.from($('f-targets').selectedOptions).map((o) => o.value),
      kind: $('f-kind').value,
      category: $('f-category').value || null,
      status: $('f-status').value,
      occurredAt: $('f-date').value.trim(),
      precision: dateCheck ? dateCheck.precision : 'DAY',
      dateText: text('f-date-text'),
      title: text('f-title'),
      summary: text('f-summary'),
      quote: text('f-quote'),
      place: text('f-place'),
      magnitude: number('f-magnitude'),
      intensity: number('f-intensity'),
      intensityReason: text('f-intensity-reason'),
      citations: citationsInForm().filter((c) => c.sourceId),
      respondsTo: links.map((l) => ({ actionId: l.id, stance: l.stance })),
    };
  }

  /** Shows a server error next to the field it concerns, or above the form. */
  function showServerError(err) {
    const byField = {
      title: 'f-title', summary: 'f-summary', quote: 'f-quote', place: 'f-place', occurredAt: 'f-date',
      dateText: 'f-date-text', magnitude: 'f-magnitude', intensity: 'f-intensity', intensityReason: 'f-intensity',
      note: 'f-note', actor: 'f-actor', excerpt: 'citations', citations: 'citations',
    };
    const id = err.field && byField[err.field.split('.').pop()];
    if (id === 'citations') {
      $('citations-error').textContent = err.message;
      document.querySelector('.citation-source')?.focus();
    } else if (id && $(id)) {
      setError(id, err.message);
      $(id).focus();
    } else {
      $('form-error').textContent = err.message;
      $('form-error').focus?.();
    }
  }

  async function record(draft) {
    if (!(await validateAll())) return;
    const input = { actor: $('f-actor').value, stories: [story.slug], draft, ...formValues() };
    try {
      const data = await api(`mutation DeskRecord($input: RecordActionInput!) { recordAction(input: $input) { id title publication } }`, { input });
      closeEditor();
      await loadTimeline(false);
      announce(`${draft ? 'Saved as a draft' : 'Published'}: ${data.recordAction.title}`);
      $(`item-${data.recordAction.id}`)?.querySelector('button')?.focus();
    } catch (err) {
      showServerError(err);
    }
  }

  /** What the form changes of the action, field by field, for the diff and the correction. */
  function changes() {
    const a = editing;
    const now = formValues();
    const out = [];
    const same = (x, y) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
    const add = (field, label, before, after, shownBefore, shownAfter) => {
      if (!same(before, after)) out.push({ field, label, before: shownBefore ?? before, after: shownAfter ?? after, value: after });
    };
    add('title', 'Headline', a.title, now.title);
    add('summary', 'Summary', a.summary, now.summary);
    add('quote', 'Quote', a.quote, now.quote);
    add('place', 'Place', a.place, now.place);
    add('magnitude', 'How many', a.magnitude, now.magnitude);
    add('kind', 'Kind', a.kind, now.kind, WORDS.kinds[a.kind], WORDS.kinds[now.kind]);
    add('category', 'Category', a.category, now.category, a.category ? WORDS.categories[a.category] : 'None', now.category ? WORDS.categories[now.category] : 'None');
    add('status', 'Words or deeds', a.status, now.status, WORDS.statuses[a.status], WORDS.statuses[now.status]);
    if (now.occurredAt !== a.edtf) {
      out.push({ field: 'occurredAt', label: 'Date', before: a.displayDate, after: dateCheck ? dateCheck.displayDate : now.occurredAt, value: now.occurredAt });
      out.push({ field: 'precision', label: 'Known', before: PRECISION[a.precision], after: PRECISION[now.precision], value: now.precision, hidden: true });
    }
    add('dateText', 'Date as worded', a.dateText, now.dateText);
    const override = a.intensityReason ? a.intensity : null;
    add('intensity', 'Intensity override', override, now.intensity);
    add('intensityReason', 'Why overridden', a.intensityReason, now.intensityReason);
    const beforeTargets = a.targets.map((t) => t.slug).sort();
    add('targets', 'Aimed at', beforeTargets, now.targets.slice().sort(), a.targets.map((t) => t.name).join(', ') || 'No one',
      now.targets.map((s) => (actors.find((x) => x.slug === s) || { name: s }).name).join(', ') || 'No one');
    const beforeCites = a.citations.map((c) => ({ sourceId: c.source.id, excerpt: c.excerpt || null }));
    const name = (id) => (sources.find((s) => s.id === id) || { title: id }).title;
    add('citations', 'Sources', beforeCites, now.citations, beforeCites.map((c) => name(c.sourceId)).join('; '), now.citations.map((c) => name(c.sourceId)).join('; '));
    if (now.respondsTo.length) {
      out.push({ field: 'respondsTo', label: 'Also answers', before: '—', after: links.map((l) => `${WORDS.stances[l.stance]} “${l.title}”`).join('; '), value: now.respondsTo });
    }
    return out;
  }

  async function reviewChanges() {
    if (!(await validateAll())) return;
    const found = changes();
    if (!found.length) {
      $('form-error').textContent = 'Nothing is changed yet.';
      return;
    }
    const shown = found.filter((c) => !c.hidden);
    const text = (v) => (Array.isArray(v) ? v.join(', ') : v === null || v === undefined || v === '' ? '—' : String(v));
    const table = h('table', { class: 'diff' },
      h('caption', { text: `Note: ${$('f-note').value.trim()}` }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Field' }), h('th', { scope: 'col', text: 'Before' }), h('th', { scope: 'col', text: 'After' }))),
      h('tbody', {}, shown.map((c) => h('tr', {}, h('th', { scope: 'row', text: c.label }), h('td', { class: 'before', text: text(c.before) }), h('td', { class: 'after', text: text(c.after) })))));
    const correcting = editing.publication === 'PUBLISHED';
    showDialog(correcting ? 'Review the correction' : 'Review the changes', h('div', { class: 'diff-frame', tabindex: 0, role: 'region', 'aria-label': 'The changes' }, table), [(close) => h('button', {
      type: 'button', class: 'primary', id: 'save-correction', onclick: async () => {
        const input = {};
        for (const c of found) input[c.field] = c.value;
        try {
          await api(`mutation DeskCorrect($id: ID!, $input: CorrectActionInput!, $note: String!) {
            correctAction(id: $id, input: $input, note: $note) { id revision } }`, { id: editing.id, input, note: $('f-note').value.trim() });
          const title = input.title || editing.title;
          close();
          closeEditor();
          await loadTimeline(false);
          announce(`${correcting ? 'Corrected' : 'Saved'}: ${title}`);
        } catch (err) {
          close();
          showServerError(err);
        }
      },
    }, correcting ? 'Save correction' : 'Save changes')]);
  }

  // ---- What it answers ------------------------------------------------------------------------

  let searchTimer = null;
  function searchAnswersSoon() {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(searchAnswers, 250);
  }

  async function searchAnswers() {
    const text = $('f-answer-search').value.trim();
    const results = $('answer-results');
    if (!text) return results.replaceChildren();
    try {
      const data = await api(`query DeskFind($f: TimelineFilter) { timeline(filter: $f, order: DESC, first: 10) { nodes { id title displayDate } } }`,
        { f: { stories: [story.slug], text } });
      const found = data.timeline.nodes.filter((n) => !editing || n.id !== editing.id);
      results.replaceChildren(...(found.length ? found.map((n) => h('li', {},
        h('span', { text: `${n.title} (${n.displayDate})` }), ' ',
        h('button', { type: 'button', onclick: () => addLink(n) }, 'It answers this'))) : [h('li', { class: 'small', text: 'No action in this story has those words.' })]));
    } catch (err) {
      results.replaceChildren(h('li', { class: 'error', text: err.message }));
    }
  }

  function addLink(n) {
    if (links.some((l) => l.id === n.id)) return;
    links.push({ id: n.id, title: n.title, stance: 'CRITICIZES' });
    drawLinks();
    $(`stance-${links.length - 1}`).focus();
  }

  function drawLinks() {
    $('answer-links').replaceChildren(...links.map((l, i) => h('li', {},
      h('label', { for: `stance-${i}`, text: `How it answers “${l.title}”` }), ' ',
      select(`stance-${i}`, entries(WORDS.stances), l.stance, { onchange: (e) => { l.stance = e.target.value; } }), ' ',
      h('button', { type: 'button', class: 'quiet', onclick: () => { links.splice(i, 1); drawLinks(); $('f-answer-search').focus(); } }, 'Remove'))));
  }

  // ---- New actors and sources, inline ---------------------------------------------------------

  function newActor() {
    const body = h('div', {},
      fieldBox('a-name', 'Name', h('input', { id: 'a-name', type: 'text', required: true, oninput: () => { $('a-slug').value = slugOf($('a-name').value); } })),
      fieldBox('a-slug', 'Slug (in addresses and filters)', h('input', { id: 'a-slug', type: 'text', required: true })),
      fieldBox('a-kind', 'What it is', select('a-kind', entries(WORDS.actorKinds), 'PERSON')),
      fieldBox('a-side', 'Side', select('a-side', entries(WORDS.sides), 'LOCAL')),
      fieldBox('a-title', 'Title (optional)', h('input', { id: 'a-title', type: 'text' })));
    showDialog('New actor', body, [(close) => h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        const input = { name: $('a-name').value.trim(), slug: $('a-slug').value.trim(), kind: $('a-kind').value, side: $('a-side').value, title: $('a-title').value.trim() || null };
        if (!input.name) return setError('a-name', 'Give a name.');
        try {
          const data = await api('mutation DeskActor($input: CreateActorInput!) { createActor(input: $input) { slug name side } }', { input });
          actors.push(data.createActor);
          close();
          const choose = $('f-actor');
          choose.append(h('option', { value: data.createActor.slug, text: `${data.createActor.name} (${WORDS.sides[data.createActor.side]})` }));
          choose.value = data.createActor.slug;
          $('f-targets').append(h('option', { value: data.createActor.slug, text: data.createActor.name }));
          validate('f-actor');
          announce(`Actor added: ${data.createActor.name}`);
          choose.focus();
        } catch (err) {
          setError(err.field === 'slug' || /slug/.test(err.message) ? 'a-slug' : 'a-name', err.message);
        }
      },
    }, 'Add actor')]);
  }

  function slugOf(text) {
    return text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
  }

  function newSource() {
    const body = h('div', {},
      fieldBox('s-title', 'Title', h('input', { id: 's-title', type: 'text', required: true })),
      fieldBox('s-publisher', 'Publisher (optional)', h('input', { id: 's-publisher', type: 'text' })),
      fieldBox('s-url', 'Address (optional)', h('input', { id: 's-url', type: 'url' })),
      fieldBox('s-published', 'Published (optional, any date form)', h('input', { id: 's-published', type: 'text' })));
    showDialog('New source', body, [(close) => h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        const input = { title: $('s-title').value.trim(), publisher: $('s-publisher').value.trim() || null, url: $('s-url').value.trim() || null, publishedAt: $('s-published').value.trim() || null };
        if (!input.title) return setError('s-title', 'Give the document\'s title.');
        try {
          const data = await api('mutation DeskSource($input: AddSourceInput!) { addSource(input: $input) { id title publisher url } }', { input });
          sources.unshift(data.addSource);
          close();
          for (const choose of document.querySelectorAll('.citation-source')) {
            choose.insertBefore(h('option', { value: data.addSource.id, text: data.addSource.publisher ? `${data.addSource.title} (${data.addSource.publisher})` : data.addSource.title }), choose.options[1] || null);
          }
          const empty = Array.from(document.querySelectorAll('.citation-source')).find((s) => !s.value);
          const row = empty ? empty.closest('.citation') : addCitation();
          row.querySelector('.citation-source').value = data.addSource.id;
          announce(`Source added: ${data.addSource.title}`);
          row.querySelector('.citation-excerpt').focus();
        } catch (err) {
          const id = { url: 's-url', publishedAt: 's-published' }[err.field] || (/url|address/i.test(err.message) ? 's-url' : /publishedAt|date/i.test(err.message) ? 's-published' : 's-title');
          setError(id, err.message);
        }
      },
    }, 'Add source')]);
  }

  // ---- Stories and tokens (admins) ------------------------------------------------------------

  async function openAdmin() {
    const panel = $('admin');
    $('editor').hidden = true;
    panel.hidden = false;
    const data = await api('query DeskTokens { tokens { name role createdAt revokedAt } }');
    const rows = data.tokens.map((t) => h('tr', {},
      h('th', { scope: 'row', text: t.name }),
      h('td', { text: t.role === 'ADMIN' ? 'Admin' : 'Editor' }),
      h('td', { text: t.revokedAt ? `Revoked ${when(t.revokedAt)}` : 'Active' }),
      h('td', {}, t.revokedAt || t.name === me.name ? null : h('button', { type: 'button', onclick: () => revoke(t.name) }, `Revoke ${t.name}`))));
    panel.replaceChildren(
      h('h1', { id: 'admin-heading', tabindex: -1, text: 'Stories and tokens' }),
      h('h2', { text: 'Tokens' }),
      h('div', { class: 'table-frame', tabindex: 0, role: 'region', 'aria-label': 'Tokens' },
        h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Role', 'State', 'Action'].map((c) => h('th', { scope: 'col', text: c })))), h('tbody', {}, rows))),
      h('form', { id: 'token-form', novalidate: true, onsubmit: makeToken },
        h('div', { class: 'row' },
          fieldBox('t-name', 'New token for (a person or a system)', h('input', { id: 't-name', type: 'text', required: true })),
          fieldBox('t-role', 'Role', select('t-role', [['EDITOR', 'Editor'], ['ADMIN', 'Admin']], 'EDITOR'))),
        h('button', { type: 'submit', class: 'primary' }, 'Make token'),
        h('output', { id: 't-made', class: 'made', for: 't-name' })),
      h('h2', { text: `This story: ${story ? story.title : 'none'}` }),
      story ? h('form', { id: 'story-form', novalidate: true, onsubmit: saveStory },
        fieldBox('st-title', 'Title', h('input', { id: 'st-title', type: 'text', required: true, value: story.title })),
        h('div', { class: 'field check' }, h('input', { id: 'st-review', type: 'checkbox', checked: story.reviewRequired }),
          h('label', { for: 'st-review', text: 'Actions need a second editor\'s approval before they are published' })),
        h('button', { type: 'submit' }, 'Save story settings')) : null,
      h('h2', { text: 'New story' }),
      h('form', { id: 'new-story-form', novalidate: true, onsubmit: makeStory },
        fieldBox('ns-title', 'Title', h('input', { id: 'ns-title', type: 'text', required: true, oninput: () => { $('ns-slug').value = slugOf($('ns-title').value); } })),
        fieldBox('ns-slug', 'Slug (its address: /stories/slug)', h('input', { id: 'ns-slug', type: 'text', required: true })),
        fieldBox('ns-summary', 'Summary (optional)', h('textarea', { id: 'ns-summary', rows: 2 })),
        h('div', { class: 'row' },
          fieldBox('ns-zone', 'Time zone', h('input', { id: 'ns-zone', type: 'text', value: story ? story.timeZone : 'UTC' }), 'An IANA name such as America/Chicago.'),
          fieldBox('ns-locale', 'Language', select('ns-locale', [['en-US', 'English'], ['es-US', 'Spanish']], 'en-US'))),
        h('div', { class: 'field check' }, h('input', { id: 'ns-review', type: 'checkbox' }),
          h('label', { for: 'ns-review', text: 'Actions need a second editor\'s approval' })),
        h('button', { type: 'submit', class: 'primary' }, 'Make story')),
      h('button', { type: 'button', onclick: () => { panel.hidden = true; $('manage').focus(); } }, 'Close'));
    $('admin-heading').focus();
  }

  async function makeToken(event) {
    event.preventDefault();
    const name = $('t-name').value.trim();
    if (!name) return setError('t-name', 'Give the token a name: it is recorded as the author of what it writes.');
    try {
      const data = await api('mutation DeskToken($input: CreateTokenInput!) { createToken(input: $input) { token info { name role } } }', { input: { name, role: $('t-role').value } });
      await openAdmin();
      $('t-made').replaceChildren(
        h('strong', { text: `Token for ${data.createToken.info.name}: ` }),
        h('code', { id: 't-secret', text: data.createToken.token }),
        h('span', { text: ' Copy it now: it is shown only this once.' }));
      announce(`Token made for ${data.createToken.info.name}; it is shown only once.`);
      $('t-secret').setAttribute('tabindex', '0');
      $('t-secret').focus();
    } catch (err) {
      setError('t-name', err.message);
    }
  }

  function revoke(name) {
    showDialog(`Revoke ${name}?`, h('p', { text: 'It stops working at once, on every open page.' }), [(close) => h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        await api('mutation DeskRevoke($name: String!) { revokeToken(name: $name) { name } }', { name });
        close();
        await openAdmin();
        announce(`Revoked: ${name}`);
      },
    }, 'Revoke')]);
  }

  async function saveStory(event) {
    event.preventDefault();
    try {
      await api('mutation DeskStory($slug: String!, $input: UpdateStoryInput!) { updateStory(slug: $slug, input: $input) { slug } }',
        { slug: story.slug, input: { title: $('st-title').value.trim(), reviewRequired: $('st-review').checked } });
      stories = (await api('query DeskStories { stories(first: 100) { nodes { slug title reviewRequired timeZone } } }')).stories.nodes;
      await chooseStory(story.slug);
      $('story-picker').replaceChildren(...stories.map((s) => h('option', { value: s.slug, selected: s.slug === story.slug, text: s.title })));
      announce('Story settings saved.');
    } catch (err) {
      showDialog('Not saved', h('p', { class: 'error', text: err.message }), []);
    }
  }

  async function makeStory(event) {
    event.preventDefault();
    const input = {
      title: $('ns-title').value.trim(), slug: $('ns-slug').value.trim(), summary: $('ns-summary').value.trim() || null,
      timeZone: $('ns-zone').value.trim(), locale: $('ns-locale').value, reviewRequired: $('ns-review').checked,
    };
    if (!input.title) return setError('ns-title', 'Give the story a title.');
    try {
      await api('mutation DeskNewStory($input: CreateStoryInput!) { createStory(input: $input) { slug } }', { input });
      await openDesk();
      $('story-picker').value = input.slug;
      await chooseStory(input.slug);
      announce(`Story made: ${input.title}`);
    } catch (err) {
      const id = err.field === 'timeZone' || /time zone/.test(err.message) ? 'ns-zone' : /slug/.test(err.message) ? 'ns-slug' : 'ns-title';
      setError(id, err.message);
    }
  }

  // ---- Live: what colleagues do shows without a reload -----------------------------------------

  let retry = 0;
  let redraw = null;
  function follow() {
    if (socket) socket.close();
    if (!story || !token) return;
    const url = new URL('/graphql/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const mine = new WebSocket(url, 'graphql-transport-ws');
    socket = mine;
    const slug = story.slug;
    mine.onopen = () => mine.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    mine.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'connection_ack') {
        retry = 0;
        mine.send(JSON.stringify({ id: 'desk', type: 'subscribe', payload: {
          query: 'subscription DeskEvents($f: TimelineFilter) { timelineEvents(filter: $f) { type action { id title } } }',
          variables: { f: { stories: [slug], includeRetracted: true } },
        } }));
      } else if (data.type === 'ping') {
        mine.send(JSON.stringify({ type: 'pong' }));
      } else if (data.type === 'next') {
        window.clearTimeout(redraw);
        // Redrawn after a moment, keeping the editor's place: the editing form is not touched.
        redraw = window.setTimeout(async () => {
          const focused = document.activeElement && document.activeElement.closest('.item');
          await loadTimeline(false);
          if (focused && $(focused.id)) $(focused.id).querySelector('button')?.focus();
        }, 300);
      }
    };
    mine.onclose = () => {
      if (socket !== mine || !token) return;
      retry += 1;
      window.setTimeout(follow, Math.min(30000, 1000 * 2 ** retry));
    };
  }

  // A tab that signed in before keeps its session.
  if (token) {
    signIn(token).catch(() => signOut());
  } else {
    $('token').focus();
  }
})();
