// Standoff's embeddable timeline. It reads the timeline filter from its own URL (the same
// parameters as /export/timelinejs.json), loads the actions over GraphQL, then follows
// timelineEvents over graphql-transport-ws, resuming from its last cursor after any drop.
// Everything is drawn with textContent: nothing from the data is parsed as HTML.
(function () {
  'use strict';

  const root = document.querySelector('.standoff');
  const list = root.querySelector('.standoff-timeline');
  const status = root.querySelector('.standoff-status');
  const params = new URLSearchParams(window.location.search);
  const graphqlUrl = new URL('/graphql', window.location.href).toString();
  const socketUrl = new URL('/graphql/ws', window.location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  const FIELDS = `id title displayDate occurredAt precision quote retracted sortKey
    history { at note } retraction { at reason }
    actor { name side }
    citations { excerpt source { title url publisher } }
    respondsTo { stance respondsTo { id title } }`;
  const TIMELINE = `query Embed($f: TimelineFilter, $after: String) {
    timeline(filter: $f, first: 100, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ${FIELDS} } } }`;
  const HEAD = 'query EmbedHead { changes(last: 1) { edges { cursor } } }';
  const STORY = 'query EmbedStory($slug: String!) { story(slug: $slug) { title timeZone } }';
  const EVENTS = `subscription EmbedEvents($f: TimelineFilter, $after: String) {
    timelineEvents(filter: $f, after: $after) { cursor type action { ${FIELDS} } } }`;
  const MAX_ACTIONS = 500;

  /** The GraphQL filter the page's URL asks for. */
  function filterFromUrl() {
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
    if (params.get('involving') === 'true') filter.involving = true;
    return filter;
  }

  const filter = filterFromUrl();
  if (params.get('title')) root.querySelector('h1').textContent = params.get('title');
  // One story named: its title heads the widget and its time zone dates the instants.
  let timeZone = null;

  /** An action's date as readers of its story see it: instants in the story's time zone. */
  function dateText(action) {
    if (action.precision !== 'MINUTE' || !timeZone) return action.displayDate;
    try {
      return new Intl.DateTimeFormat('en-GB', {
        day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
        timeZone, timeZoneName: 'short',
      }).format(new Date(action.occurredAt));
    } catch (_) {
      return action.displayDate;
    }
  }
  /** The day an editor acted, in the story's time zone when there is one. */
  function dayText(instant) {
    const options = { day: 'numeric', month: 'short', year: 'numeric' };
    try {
      return new Intl.DateTimeFormat('en-GB', timeZone ? { ...options, timeZone } : { ...options, timeZone: 'UTC' })
        .format(new Date(instant));
    } catch (_) {
      return instant.slice(0, 10);
    }
  }

  const actions = new Map(); // id -> action
  let cursor = null;

  async function graphql(query, variables) {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
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

  /** One action as a list item: date, side and actor, title, quote, what it answers, sources. */
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
    time.dateTime = action.occurredAt;
    meta.append(time, element('span', 'standoff-side', side), element('span', 'standoff-actor', action.actor.name));
    item.append(meta);
    const heading = element('h2', action.retracted ? 'is-retracted' : null, action.title);
    heading.id = headingId;
    // Nothing silently disappears: a retraction stands where the action stood, with its reason.
    if (action.retracted) {
      item.classList.add('standoff-retracted');
      const reason = action.retraction ? action.retraction.reason : '';
      const on = action.retraction ? ` on ${dayText(action.retraction.at)}` : '';
      const notice = element('p', 'standoff-notice', `Retracted${on}: ${reason}`);
      item.append(notice, heading);
      return item;
    }
    item.append(heading);
    const corrections = action.history || [];
    if (corrections.length) {
      const last = corrections[corrections.length - 1];
      const note = element('p', 'standoff-correction');
      note.append(element('strong', null, 'Corrected'), ` ${dayText(last.at)}: ${last.note || ''}`);
      item.append(note);
    }
    if (action.quote) item.append(element('blockquote', null, `“${action.quote}”`));
    for (const link of action.respondsTo) {
      const answers = element('p', 'standoff-answers', `${link.stance.replace('_', ' ').toLowerCase()}: `);
      const target = element('a', null, link.respondsTo.title);
      target.href = `#action-${link.respondsTo.id}`;
      answers.append(target);
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
      const sources = element('p', 'standoff-sources', bySource.size === 1 ? 'Source: ' : 'Sources: ');
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

  /** Puts an action in its place in the timeline's order, replacing what stood there. */
  function place(action, fresh) {
    const old = document.getElementById(`action-${action.id}`);
    if (action.retracted && !old) return;
    actions.set(action.id, action);
    const item = render(action);
    item.dataset.sortKey = action.sortKey;
    if (fresh) item.classList.add('is-new');
    if (old) {
      list.replaceChild(item, old);
      return;
    }
    const later = Array.from(list.children).find((li) => li.dataset.sortKey > action.sortKey);
    list.insertBefore(item, later || null);
  }

  function describe(live) {
    const count = Array.from(actions.values()).filter((a) => !a.retracted).length;
    status.textContent = `${count} action${count === 1 ? '' : 's'}${live ? ' · live' : ''}`;
  }

  async function load() {
    if (filter.stories && filter.stories.length === 1) {
      const data = await graphql(STORY, { slug: filter.stories[0] });
      if (data.story) {
        timeZone = data.story.timeZone;
        if (!params.get('title')) root.querySelector('h1').textContent = data.story.title;
        document.title = `${data.story.title}: live timeline`;
      }
    }
    const head = await graphql(HEAD, {});
    const edges = head.changes.edges;
    cursor = edges.length ? edges[0].cursor : null;
    let after = null;
    do {
      const data = await graphql(TIMELINE, { f: filter, after });
      data.timeline.nodes.forEach((action) => place(action, false));
      after = data.timeline.pageInfo.hasNextPage ? data.timeline.pageInfo.endCursor : null;
    } while (after && actions.size < MAX_ACTIONS);
    describe(false);
  }

  let retry = 0;
  function follow() {
    const socket = new WebSocket(socketUrl, 'graphql-transport-ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'connection_ack') {
        socket.send(JSON.stringify({
          id: 'timeline',
          type: 'subscribe',
          payload: { query: EVENTS, variables: { f: filter, after: cursor } },
        }));
        retry = 0;
        root.dataset.live = 'true';
        describe(true);
      } else if (data.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (data.type === 'next' && data.payload && data.payload.data) {
        const event = data.payload.data.timelineEvents;
        cursor = event.cursor;
        const isNew = event.type === 'RECORDED' && !actions.has(event.action.id);
        place(event.action, isNew);
        describe(true);
        if (isNew) status.textContent = `New: ${event.action.title}`;
        if (event.type === 'RETRACTED') status.textContent = `Retracted: ${event.action.title}`;
        if (event.type === 'CORRECTED') status.textContent = `Corrected: ${event.action.title}`;
      }
    };
    socket.onclose = () => {
      root.dataset.live = 'false';
      describe(false);
      // Back off up to 30 s; the cursor makes the next subscription replay what was missed.
      const wait = Math.min(30000, 1000 * 2 ** retry);
      retry += 1;
      setTimeout(follow, wait);
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

  load()
    .then(() => {
      if (params.get('live') !== 'false') follow();
    })
    .catch((err) => {
      status.textContent = `The timeline could not be loaded: ${err.message}`;
    });
})();
