// Starts GraphiQL on the page's own origin: queries and mutations over HTTP at /graphql,
// subscriptions over graphql-ws at /graphql/ws. The example query comes from a JSON data block,
// since the page's Content-Security-Policy allows no inline script.
(function start() {
  'use strict';
  const config = JSON.parse(document.getElementById('playground-config').textContent);
  const endpoint = new URL('/graphql', window.location.href);
  const socket = new URL('/graphql/ws', window.location.href);
  socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      // The Headers tab (an Authorization header for writes) is sent with each HTTP request
      // and becomes the socket's connection_init payload.
      fetcher: GraphiQL.createFetcher({
        url: endpoint.toString(),
        subscriptionUrl: socket.toString(),
      }),
      defaultQuery: config.query,
      defaultEditorToolsVisibility: true,
    }),
  );
  mendAccessibility(document.getElementById('graphiql'));
})();

// GraphiQL 4 leaves a few things screen readers and keyboard users need: its editors' hidden
// text areas have no names, their scrolling panes cannot be reached by keyboard, and each
// operation tab is an interactive list item wrapping a button. This names the text areas after
// their panes, makes each pane a named region in the tab order, and moves the tab role onto
// the button, whenever GraphiQL redraws; attributes are set only when they differ, so the
// observer's own changes settle at once.
function mendAccessibility(root) {
  const set = (element, name, value) => {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  };
  const paneName = (editor) => {
    const tool = editor.closest('.graphiql-editor-tool');
    if (tool) {
      const editors = [...tool.querySelectorAll(':scope > .graphiql-editor')];
      return editors.indexOf(editor.closest('.graphiql-editor')) === 0 ? 'Variables' : 'Headers';
    }
    if (editor.closest('.graphiql-query-editor')) return 'Query';
    if (editor.closest('.result-window')) return 'Result';
    return editor.closest('[aria-label]')?.getAttribute('aria-label') ?? 'Editor';
  };
  const mend = () => {
    for (const editor of root.querySelectorAll('.CodeMirror')) {
      const name = paneName(editor);
      const input = editor.querySelector(':scope > div > textarea');
      if (input) set(input, 'aria-label', input.readOnly ? `${name} (read only)` : `${name} editor`);
      const pane = editor.querySelector(':scope > .CodeMirror-scroll');
      if (pane) {
        set(pane, 'tabindex', '0');
        set(pane, 'role', 'region');
        set(pane, 'aria-label', `${name}, scrollable`);
      }
    }
    for (const tab of root.querySelectorAll('li[role="tab"]')) {
      const button = tab.querySelector('button.graphiql-tab-button');
      if (!button) continue;
      set(button, 'role', 'tab');
      set(button, 'aria-selected', tab.getAttribute('aria-selected') ?? 'false');
      set(tab, 'role', 'presentation');
      tab.removeAttribute('aria-selected');
    }
  };
  new MutationObserver(mend).observe(root, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['aria-selected', 'role'],
  });
  mend();
}
