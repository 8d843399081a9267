// Standoff's embeddable timeline. It reads the timeline filter and its own settings from its
// URL (the same parameters as /export/timelinejs.json, plus order, limit, lang, theme, title,
// live), loads the actions over GraphQL, then follows timelineEvents over graphql-transport-ws,
// resuming from its last cursor after any drop. Every word it shows comes from the page's
// words block (the server's one table of words); it holds no text of its own. Everything from
// the data is drawn with textContent: nothing is parsed as HTML.
(function () {
  'use strict';

  const root = document.querySelector('.standoff');
  const list = root.querySelector('.standoff-timeline');
  const status = root.querySelector('.standoff-status');
  const more = root.querySelector('.standoff-more');
  const credit = root.querySelector('.standoff-credit');
  const params = new URLSearchParams(window.location.search);
  const graphqlUrl = new URL('/graphql', window.location.href).toString();
  const socketUrl = new URL('/graphql/ws', window.location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const allWords = JSON.parse(document.getElementById('standoff-words').textContent);

  const FIELDS = `id title summary place status kind occurredAt occurredUntil edtf precision quote
    retracted sortKey
    history { at note } retraction { at reason }
    actor { name side }
    citations { excerpt source { title url publisher } }
    respondsTo { stance respondsTo { id title stories { slug } } }`;
  const TIMELINE = `query Embed($f: TimelineFilter, $order: TimeOrder, $first: Int, $after: String) {
    timeline(filter: $f, order: $order, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } } }`;
  const HEAD = 'query EmbedHead { changes(last: 1) { edges { cursor } } }';
  const STORY = 'query EmbedStory($slug: String!) { story(slug: $slug) { slug title timeZone locale } }';
  const EVENTS = `subscription EmbedEvents($f: TimelineFilter, $after: String) {
    timelineEvents(filter: $f, after: $after) { cursor type action { ${FIELDS} } } }`;
  const MAX_ACTIONS = 500;

  /** A mistake in the widget's own address: shown to readers in words, detailed in the console. */
  class SettingsError extends Error {}
  /** An answer from the service that says what went wrong, with its `extensions.code`. */
  class ServiceError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }

  /** The widget's settings and the GraphQL filter its URL asks for. */
  function settingsFromUrl() {
    const filter = {};
    const lists = { stories: false, actors: false, sides: true, kinds: true, categories: true, statuses: true };
    for (const [name, upper] of Object.entries(lists)) {
      const values = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      if (values.length) filter[name] = upper ? values.map((v) => v.toUpperCase()) : values;
    }
    // Any date form the API takes ("2025-08", "2025-08-30", an instant): `to` keeps its day.
    for (const name of ['from', 'to']) {
      const value = params.get(name);
      if (value) filter[name] = value;
    }
    if (params.get('text')) filter.text = params.get('text');
    const flag = (name) => {
      const value = params.get(name);
      if (value === null || value === '') return null;
      if (['true', '1', 'yes'].includes(value)) return true;
      if (['false', '0', 'no'].includes(value)) return false;
      throw new SettingsError(`${name} is true or false, not ${JSON.stringify(value)}`);
    };
    if (flag('involving')) filter.involving = true;
    if (flag('includeRetracted')) filter.includeRetracted = true;
    const order = (params.get('order') || 'asc').toLowerCase();
    if (!['asc', 'desc'].includes(order)) throw new SettingsError(`order is asc or desc, not ${JSON.stringify(order)}`);
    let limit = MAX_ACTIONS;
    if (params.get('limit')) {
      limit = Number(params.get('limit'));
      if (!Number.isInteger(limit) || limit < 1) throw new SettingsError(`limit is a whole number from 1, not ${JSON.stringify(params.get('limit'))}`);
      limit = Math.min(limit, MAX_ACTIONS);
    }
    const lang = params.get('lang');
    if (lang && !allWords[lang.toLowerCase().split('-')[0]]) throw new SettingsError(`lang is ${Object.keys(allWords).join(' or ')}, not ${JSON.stringify(lang)}`);
    return {
      filter,
      order,
      limit,
      lang: lang ? lang.toLowerCase().split('-')[0] : null,
      live: flag('live') !== false,
      title: params.get('title'),
    };
  }

  // The words until the story's language is known: the one asked for, else the page's.
  let words = allWords[document.documentElement.lang] || allWords.en;
  let locale = words.lang;
  let timeZone = null;
  let story = null;

  /** A phrase with its {placeholders} filled. */
  function say(key, values = {}) {
    return words.phrases[key].replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : `{${name}}`));
  }
  /** "1 action", "3 acciones". */
  function count(n, noun) {
    return `${n} ${words.nouns[noun][n === 1 ? 0 : 1]}`;
  }

  let settings;
  try {
    settings = settingsFromUrl();
  } catch (err) {
    settings = null;
    status.textContent = say('ErrorSettings');
    root.dataset.error = 'true';
    console.warn(`Standoff widget: ${err.message}`);
  }

  /** Uses a language: its words, Intl's locale for it, and the page's lang attribute. */
  function speak(lang, storyLocale) {
    words = allWords[lang] || allWords.en;
    // The story's own locale ("en-US") when it is in this language, for its date conventions.
    locale = storyLocale && storyLocale.toLowerCase().split('-')[0] === words.lang ? storyLocale : words.lang;
    document.documentElement.lang = words.lang;
    root.querySelector('h1').textContent = (settings && settings.title) || (story ? story.title : say('DefaultTitle'));
    list.setAttribute('aria-label', say(settings && settings.order === 'desc' ? 'ListNewestFirst' : 'ListOldestFirst'));
    credit.firstChild.textContent = `${say('CreditBy')} `;
  }

  /** Intl's options for a date at `precision`; instants in the story's time zone. */
  function dateOptions(precision) {
    switch (precision) {
      case 'MINUTE':
        return { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: timeZone || 'UTC', timeZoneName: 'short' };
      case 'DAY':
        return { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' };
      case 'MONTH':
        return { month: 'long', year: 'numeric', timeZone: 'UTC' };
      default:
        return { year: 'numeric', timeZone: 'UTC' };
    }
  }

  /** An action's date as readers of its story see it, no more precise than it is known. */
  function dateText(action) {
    const format = new Intl.DateTimeFormat(locale, dateOptions(action.precision));
    const at = new Date(action.occurredAt);
    const until = new Date(action.occurredUntil);
    if (action.precision === 'MINUTE') return format.format(at);
    if (action.edtf.startsWith('../')) return say('By', { date: format.format(until) });
    if (format.format(at) === format.format(until)) return format.format(at);
    return format.formatRange(at, until);
  }
  /** The day an editor acted, in the story's time zone. */
  function dayText(instant) {
    return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: timeZone || 'UTC' })
      .format(new Date(instant));
  }

  const actions = new Map(); // id -> action
  let cursor = null;
  let total = 0;

  async function graphql(query, variables) {
    let response;
    try {
      // Over GET, so a CDN or nginx in front can keep the answer every reader of a page shares;
      // 'no-cache' has the browser revalidate (a 304 by ETag) rather than reuse it unasked.
      const url = new URL(graphqlUrl);
      url.searchParams.set('query', query);
      url.searchParams.set('variables', JSON.stringify(variables));
      response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-cache' });
    } catch (err) {
      throw new ServiceError(err.message, 'UNREACHABLE');
    }
    let body;
    try {
      body = await response.json();
    } catch (err) {
      throw new ServiceError(`HTTP ${response.status}`, response.status === 429 ? 'LIMIT_EXCEEDED' : 'UNREACHABLE');
    }
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      throw new ServiceError(first.message, (first.extensions && first.extensions.code) || 'INTERNAL');
    }
    return body.data;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  /** Where an action stands on a story's page: the story this widget shows, else its own. */
  function storyPageUrl(action) {
    const slug = story ? story.slug : action.stories && action.stories.length ? action.stories[0].slug : null;
    return slug ? `/stories/${encodeURIComponent(slug)}#action-${encodeURIComponent(action.id)}` : null;
  }

  /** Points each "answers" link at the action in the widget, or at the story page when the
   * action is not in the widget (filtered out or beyond the limit). */
  function linkAnswers() {
    for (const link of list.querySelectorAll('a[data-answers]')) {
      const id = link.dataset.answers;
      const note = link.nextElementSibling;
      if (document.getElementById(`action-${id}`)) {
        link.href = `#action-${id}`;
        link.removeAttribute('target');
        note.hidden = true;
      } else {
        link.href = link.dataset.storyPage || '#';
        link.target = '_blank';
        link.rel = 'noopener';
        note.hidden = false;
      }
    }
  }

  /** One action as a list item: date, side, actor and status; title, summary, quote, place,
   * what it answers, sources. */
  function render(action) {
    const side = action.actor.side;
    const item = element('li', `standoff-item side-${side}`);
    item.id = `action-${action.id}`;
    item.tabIndex = 0;
    item.dataset.occurredAt = action.occurredAt;
    const headingId = `heading-${action.id}`;
    item.setAttribute('aria-labelledby', headingId);

    const meta = element('p', 'standoff-meta');
    const time = element('time', null, dateText(action));
    time.dateTime = action.precision === 'MINUTE' ? action.occurredAt : action.edtf.replace(/^\.\.\//, '').split('/')[0];
    meta.append(time, element('span', 'standoff-side', words.sides[side]), element('span', 'standoff-actor', action.actor.name));
    if (action.status !== 'CARRIED_OUT') {
      meta.append(element('span', `standoff-status-label status-${action.status}`, words.statuses[action.status]));
    }
    item.append(meta);
    const heading = element('h2', action.retracted ? 'is-retracted' : null, action.title);
    heading.id = headingId;
    // Nothing silently disappears: a retraction stands where the action stood, with its reason.
    if (action.retracted) {
      item.classList.add('standoff-retracted');
      const notice = element('p', 'standoff-notice', say('RetractedOn', {
        date: action.retraction ? dayText(action.retraction.at) : '',
        reason: action.retraction ? action.retraction.reason : '',
      }));
      item.append(notice, heading);
      return item;
    }
    item.append(heading);
    const corrections = action.history || [];
    if (corrections.length) {
      const last = corrections[corrections.length - 1];
      const note = element('p', 'standoff-correction');
      note.append(element('strong', null, say('Corrected')), ` ${dayText(last.at)}: ${last.note || ''}`);
      item.append(note);
    }
    if (action.summary) item.append(element('p', 'standoff-summary', action.summary));
    if (action.quote) item.append(element('blockquote', null, `“${action.quote}”`));
    if (action.place) {
      const place = element('p', 'standoff-place');
      place.append(element('span', 'standoff-label', `${say('Place')}: `), action.place);
      item.append(place);
    }
    for (const link of action.respondsTo) {
      const answers = element('p', 'standoff-answers', `${words.stances[link.stance]} `);
      const target = element('a', null, link.respondsTo.title);
      target.dataset.answers = link.respondsTo.id;
      const page = storyPageUrl(link.respondsTo);
      if (page) target.dataset.storyPage = page;
      answers.append(target, element('span', 'standoff-offpage', ` ${say('OnStoryPage')}`));
      item.append(answers);
    }
    // Each source once, however many passages of it are cited.
    const bySource = new Map();
    for (const citation of action.citations) {
      const key = `${citation.source.title}\u0000${citation.source.url || ''}`;
      const seen = bySource.get(key);
      if (seen) {
        if (citation.excerpt) seen.excerpt = [seen.excerpt, citation.excerpt].filter(Boolean).join(' … ');
      } else {
        bySource.set(key, { source: citation.source, excerpt: citation.excerpt });
      }
    }
    if (bySource.size) {
      const sources = element('p', 'standoff-sources', `${say(bySource.size === 1 ? 'Source' : 'Sources')}: `);
      Array.from(bySource.values()).forEach((citation, i) => {
        const name = citation.source.publisher || citation.source.title;
        const url = safeUrl(citation.source.url);
        let node;
        if (url) {
          node = element('a', null, name);
          node.href = url;
          node.target = '_blank';
          node.rel = 'noopener';
        } else {
          node = element('span', null, name);
        }
        if (citation.excerpt) node.title = citation.excerpt;
        if (i > 0) sources.append(', ');
        sources.append(node);
      });
      item.append(sources);
    }
    return item;
  }

  /** True when `a` comes before `b` in the widget's order. */
  function before(a, b) {
    return settings.order === 'desc' ? a > b : a < b;
  }

  /** Puts an action in its place in the widget's order, replacing what stood there; keeps at
   * most `limit` actions, dropping those that fall beyond it. */
  function place(action, fresh) {
    const old = document.getElementById(`action-${action.id}`);
    if (action.retracted && !old && !settings.filter.includeRetracted) return;
    actions.set(action.id, action);
    const item = render(action);
    item.dataset.sortKey = action.sortKey;
    if (fresh) item.classList.add('is-new');
    if (old) {
      list.replaceChild(item, old);
    } else {
      const later = Array.from(list.children).find((li) => before(action.sortKey, li.dataset.sortKey));
      list.insertBefore(item, later || null);
    }
    while (list.children.length > settings.limit) {
      const dropped = list.lastElementChild;
      actions.delete(dropped.id.replace(/^action-/, ''));
      dropped.remove();
    }
  }

  function describe(live) {
    const shown = Array.from(actions.values()).filter((a) => !a.retracted).length;
    status.textContent = shown || list.children.length ? `${count(shown, 'action')}${live ? ` · ${say('Live')}` : ''}` : say('Empty');
    const page = story ? `/stories/${encodeURIComponent(story.slug)}` : null;
    more.hidden = !(total > shown && page);
    if (!more.hidden) {
      more.textContent = `${say('ShowingSome', { shown, total })} `;
      const link = element('a', null, say('SeeAll'));
      link.href = page;
      link.target = '_blank';
      link.rel = 'noopener';
      more.append(link);
    }
  }

  /** Readers' words for what went wrong; the details go to the console for the newsroom. */
  function explain(err) {
    console.warn(`Standoff widget: ${err.message}`);
    if (err instanceof SettingsError || (err.code === 'BAD_USER_INPUT' || err.code === 'GRAPHQL_VALIDATION_FAILED')) {
      return { text: say('ErrorSettings'), retry: false };
    }
    if (err.code === 'NO_STORY') return { text: say('ErrorNoStory', { slug: err.message }), retry: false };
    if (err.code === 'LIMIT_EXCEEDED') return { text: say('ErrorBusy'), retry: true };
    return { text: say('ErrorLoad'), retry: true };
  }

  async function load() {
    const stories = settings.filter.stories || [];
    if (stories.length === 1) {
      const data = await graphql(STORY, { slug: stories[0] });
      if (!data.story) throw new ServiceError(stories[0], 'NO_STORY');
      story = data.story;
      timeZone = story.timeZone;
      credit.querySelector('a').href = `/stories/${encodeURIComponent(story.slug)}`;
      document.title = story.title;
    }
    speak(settings.lang || (story ? story.locale.toLowerCase().split('-')[0] : words.lang), story && story.locale);
    const head = await graphql(HEAD, {});
    const edges = head.changes.edges;
    cursor = edges.length ? edges[0].cursor : null;
    let after = null;
    let loaded = 0;
    do {
      const first = Math.min(100, settings.limit - loaded);
      const data = await graphql(TIMELINE, { f: settings.filter, order: settings.order.toUpperCase(), first, after });
      total = data.timeline.totalCount;
      data.timeline.nodes.forEach((action) => place(action, false));
      loaded += data.timeline.nodes.length;
      after = data.timeline.pageInfo.hasNextPage ? data.timeline.pageInfo.endCursor : null;
    } while (after && loaded < settings.limit);
    linkAnswers();
    describe(false);
  }

  /** One timeline event, from either transport: place it and say what happened. */
  function handleEvent(event) {
    cursor = event.cursor;
    const isNew = event.type === 'RECORDED' && !actions.has(event.action.id);
    // The total counts what the filter matches: a retraction takes one out unless retracted
    // actions are shown, a restoration puts it back.
    if (isNew) total += 1;
    if (!settings.filter.includeRetracted && event.type === 'RETRACTED') total -= 1;
    if (!settings.filter.includeRetracted && event.type === 'RESTORED') total += 1;
    place(event.action, isNew);
    linkAnswers();
    describe(true);
    const title = event.action.title;
    if (isNew && document.getElementById(`action-${event.action.id}`)) status.textContent = say('NewAction', { title });
    if (event.type === 'RETRACTED') status.textContent = say('RetractedAction', { title });
    if (event.type === 'CORRECTED') status.textContent = say('CorrectedAction', { title });
  }

  function offline() {
    root.dataset.live = 'false';
    describe(false);
    status.textContent += ` · ${say('Reconnecting')}`;
  }

  let retry = 0;
  // Whether a WebSocket ever opened here: if none does (a proxy that drops upgrades), the
  // widget follows over Server-Sent Events instead.
  let everAcked = false;
  function follow() {
    const socket = new WebSocket(socketUrl, 'graphql-transport-ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'connection_ack') {
        socket.send(JSON.stringify({
          id: 'timeline',
          type: 'subscribe',
          payload: { query: EVENTS, variables: { f: settings.filter, after: cursor } },
        }));
        retry = 0;
        everAcked = true;
        root.dataset.live = 'true';
        root.dataset.transport = 'websocket';
        describe(true);
      } else if (data.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (data.type === 'next' && data.payload && data.payload.data) {
        handleEvent(data.payload.data.timelineEvents);
      } else if (data.type === 'error') {
        console.warn('Standoff widget: the live subscription was refused', data.payload);
      }
    };
    socket.onclose = () => {
      offline();
      if (!everAcked) {
        followStream();
        return;
      }
      // Back off up to 30 s; the cursor makes the next subscription replay what was missed.
      const wait = Math.min(30000, 1000 * 2 ** retry);
      retry += 1;
      setTimeout(follow, wait);
    };
  }

  /** Follows over Server-Sent Events (graphql-sse, distinct connections): the browser
   * reconnects by itself and sends the last event's id, which the server resumes from. */
  function followStream() {
    const url = new URL('/graphql/stream', window.location.href);
    url.searchParams.set('query', EVENTS);
    url.searchParams.set('variables', JSON.stringify({ f: settings.filter, after: cursor }));
    const source = new EventSource(url);
    source.addEventListener('open', () => {
      retry = 0;
      root.dataset.live = 'true';
      root.dataset.transport = 'sse';
      describe(true);
    });
    source.addEventListener('next', (message) => {
      const payload = JSON.parse(message.data);
      if (payload.data && payload.data.timelineEvents) handleEvent(payload.data.timelineEvents);
      else if (payload.errors) console.warn('Standoff widget: the live stream was refused', payload.errors);
    });
    source.addEventListener('complete', () => source.close());
    source.onerror = () => {
      offline();
      // Closed for good (an HTTP error): start again from the last cursor, backing off.
      if (source.readyState === EventSource.CLOSED) {
        const wait = Math.min(30000, 1000 * 2 ** retry);
        retry += 1;
        setTimeout(followStream, wait);
      }
    };
  }

  // Tells the page around the widget its height whenever it changes, in Pym.js's message
  // format, so embed.js (or Pym.js itself) sizes the iframe and the page needs no fixed height.
  const childId = params.get('childId') || 'standoff';
  let toldHeight = 0;
  function tellHeight() {
    if (window.parent === window) return;
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === toldHeight) return;
    toldHeight = height;
    window.parent.postMessage(['pym', childId, 'height', String(height)].join('xPYMx'), '*');
  }
  new ResizeObserver(tellHeight).observe(document.body);
  // Pym.js asks for the height when it sends the child its width.
  window.addEventListener('message', (event) => {
    if (event.source === window.parent && typeof event.data === 'string'
      && event.data.startsWith(`pymxPYMx${childId}xPYMxwidth`)) {
      toldHeight = 0;
      tellHeight();
    }
  });

  let attempt = 0;
  function start() {
    load()
      .then(() => {
        if (settings.live) follow();
      })
      .catch((err) => {
        const { text, retry: again } = explain(err);
        status.textContent = text;
        root.dataset.error = 'true';
        if (again) {
          attempt += 1;
          setTimeout(start, Math.min(30000, 2000 * 2 ** attempt));
        }
      });
  }

  if (settings) {
    speak(settings.lang || words.lang, null);
    status.textContent = say('Loading');
    start();
  }
})();
