// JWTAuth sign-in page. Plain JavaScript, no build step, no dependencies.
//
// Where the tokens live:
//   - the access token only in a variable of this closure (never localStorage, sessionStorage
//     or a readable cookie);
//   - the refresh token in the server's HttpOnly, SameSite=Strict cookie (Path=/auth), which
//     this script never sees. Every request that uses the cookie carries X-JWTAuth-CSRF.
//
// Refresh rules:
//   - a silent refresh is scheduled shortly before the access token expires;
//   - a request answered 401 is retried once after one refresh;
//   - single flight: at most one refresh runs per tab (concurrent callers share its promise),
//     and across tabs the Web Locks API serialises every use of the cookie, so two tabs never
//     present the same refresh token and never trip the server's reuse detection.
'use strict';

(() => {
  const CSRF_HEADER = 'X-JWTAuth-CSRF';
  const LOCK_NAME = 'jwtauth-refresh';
  const MAX_RETRY_DELAY = 30000;
  // How long a tab waits for another tab's refresh before giving up (and retrying later).
  const COOKIE_LOCK_TIMEOUT = 30000;

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  let accessToken = null; // the bearer token; nothing else holds it
  let claims = null; // its decoded payload, for display only
  let lifetime = 0; // ms, from expires_in
  let expiresAt = 0; // local clock, ms: when the request was sent + expires_in
  let refreshPromise = null; // the in-flight refresh, shared by every caller
  let refreshTimer = 0;
  let tickTimer = 0;
  let failures = 0; // consecutive refreshes that failed for a transient reason
  let generation = 0; // bumped at every sign-out, so late answers are ignored
  let lastRefreshAt = 0;
  let nextRetryAt = 0;
  const counters = { refresh: 0, retry: 0, failures: 0 };

  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('jwtauth') : null;

  // ---------------------------------------------------------------------------------------
  // Errors
  // ---------------------------------------------------------------------------------------

  /** The server says the session is over (or this page may not use it): sign in again. */
  class SessionEnded extends Error {}

  /** The server could not be reached or asked us to wait: keep the session, try again. */
  class TransientError extends Error {
    constructor(message, retryAfterMs) {
      super(message);
      this.retryAfterMs = retryAfterMs;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = options.text;
    if (options.attrs) {
      for (const [name, value] of Object.entries(options.attrs)) node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  async function readJSON(response) {
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** A server message as a sentence: capital first letter, full stop at the end. */
  function sentence(text) {
    const trimmed = String(text).trim().replace(/[.!?]+$/, '');
    if (!trimmed) return '';
    return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + '.';
  }

  function describeError(body, response) {
    if (body && typeof body.error_description === 'string' && body.error_description) {
      return sentence(body.error_description);
    }
    if (body && typeof body.error === 'string') return sentence(body.error.replace(/_/g, ' '));
    return `The server answered HTTP ${response.status}.`;
  }

  /** "about 15 minutes" for a lockout of 892 s: people plan in minutes, not seconds. */
  function describeWait(ms) {
    const seconds = Math.ceil(ms / 1000);
    if (seconds < 90) return `${seconds} seconds`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 90) return `about ${minutes} minutes`;
    const hours = Math.round(minutes / 60);
    return hours === 1 ? 'about an hour' : `about ${hours} hours`;
  }

  function retryAfterMs(response) {
    const value = Number(response.headers.get('Retry-After'));
    return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  }

  /** Decodes a JWT's payload for display. It is not verified here; the server decides. */
  function decodePayload(token) {
    try {
      const part = token.split('.')[1];
      const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
      const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
      const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
      const payload = JSON.parse(new TextDecoder().decode(bytes));
      return payload && typeof payload === 'object' ? payload : null;
    } catch {
      return null;
    }
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

  function relative(ms) {
    const seconds = Math.round((ms - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 45) return relativeFormat.format(seconds, 'second');
    if (abs < 2700) return relativeFormat.format(Math.round(seconds / 60), 'minute');
    if (abs < 64800) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
    return relativeFormat.format(Math.round(seconds / 86400), 'day');
  }

  function formatRemaining(ms) {
    if (ms <= 0) return 'expired';
    const seconds = ms / 1000;
    if (seconds < 10) return `${seconds.toFixed(1)} s`;
    if (seconds < 60) return `${Math.floor(seconds)} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
  }

  function describeAgent(ua) {
    if (!ua) return 'Unknown device';
    const browsers = [
      [/Edg\//, 'Edge'],
      [/HeadlessChrome\//, 'Headless Chrome'],
      [/Chrom(e|ium)\//, 'Chrome'],
      [/Firefox\//, 'Firefox'],
      [/Version\/[\d.]+.*Safari\//, 'Safari'],
      [/^curl\//, 'curl'],
      [/python/i, 'Python'],
    ];
    const systems = [
      [/Android/, 'Android'],
      [/iPhone|iPad|iPod/, 'iOS'],
      [/Windows/, 'Windows'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ];
    const browser = browsers.find(([pattern]) => pattern.test(ua));
    const system = systems.find(([pattern]) => pattern.test(ua));
    if (!browser) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
    return system ? `${browser[1]} on ${system[1]}` : browser[1];
  }

  // ---------------------------------------------------------------------------------------
  // Messages, views, busy state
  // ---------------------------------------------------------------------------------------

  let messageTimer = 0;

  /** Shows a message in the live region; good news clears itself after a while. */
  function say(text, kind = 'info') {
    const box = $('message');
    clearTimeout(messageTimer);
    box.className = `message message-${kind}`;
    box.textContent = text;
    if (kind !== 'error') messageTimer = setTimeout(clearMessage, 8000);
  }

  function clearMessage() {
    clearTimeout(messageTimer);
    $('message').textContent = '';
  }

  function setData(name, value) {
    document.body.dataset[name] = String(value);
  }

  function publishCounters() {
    setData('refreshCount', counters.refresh);
    setData('retryCount', counters.retry);
    setData('refreshFailures', counters.failures);
  }

  function showView(name) {
    $('view-loading').hidden = name !== 'loading';
    $('view-signed-out').hidden = name !== 'signed-out';
    $('view-signed-in').hidden = name !== 'signed-in';
    $('who').hidden = name !== 'signed-in';
    setData('state', name);
  }

  async function busy(button, work) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  // ---------------------------------------------------------------------------------------
  // The refresh cookie: every use is serialised across tabs
  // ---------------------------------------------------------------------------------------

  /**
   * Runs `work` while holding the cross-tab lock on the refresh cookie. Only the wait for the
   * lock has a deadline: a request that holds it always runs to its end, because a refresh
   * abandoned after the server rotated would leave the browser with a retired cookie, and the
   * next refresh would look like reuse and end the session.
   */
  function withCookieLock(work) {
    if (navigator.locks && typeof navigator.locks.request === 'function') {
      const options = { mode: 'exclusive' };
      if (typeof AbortSignal.timeout === 'function') options.signal = AbortSignal.timeout(COOKIE_LOCK_TIMEOUT);
      return navigator.locks.request(LOCK_NAME, options, () => work());
    }
    // No Web Locks (older browsers): single flight within this tab still holds, but two tabs
    // may refresh at once and one of them trip reuse detection.
    return work();
  }

  /** A POST to a cookie route (/auth/login, /auth/refresh, /auth/logout), under the lock. */
  function cookiePost(path, body) {
    const init = {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', [CSRF_HEADER]: '1' },
      body: JSON.stringify(body || {}),
    };
    return fetch(path, init);
  }

  /** One refresh round trip, inside the lock. Resolves with the token response. */
  async function refreshRequest() {
    const sentAt = Date.now();
    let response;
    try {
      response = await cookiePost('/auth/refresh', {});
    } catch {
      throw new TransientError('The server could not be reached.');
    }
    const body = await readJSON(response);
    if (response.ok && body && typeof body.access_token === 'string') return { body, sentAt };
    if (response.status === 429 || response.status >= 500) {
      throw new TransientError(`The server could not refresh the session. ${describeError(body, response)}`, retryAfterMs(response));
    }
    if (body && body.error === 'csrf_rejected') {
      throw new SessionEnded(`The server refused the refresh from this page. ${describeError(body, response)}`);
    }
    throw new SessionEnded('Your session has ended (signed out, revoked or expired). Please sign in again.');
  }

  /**
   * Refreshes the access token. Single flight: while a refresh runs, every caller gets the
   * same promise. Resolves with the new token; rejects with SessionEnded (the page has then
   * signed out) or TransientError (a retry is scheduled, the session is kept).
   */
  function refresh() {
    if (refreshPromise) return refreshPromise;
    const gen = generation;
    clearTimeout(refreshTimer);
    refreshPromise = withCookieLock(refreshRequest)
      .catch((error) => {
        // The lock's deadline passed while another tab held it: try again later.
        if (error && error.name === 'AbortError') throw new TransientError('Another tab is still refreshing the session.');
        throw error;
      })
      .then(
        ({ body, sentAt }) => {
          if (gen !== generation) throw new SessionEnded('Signed out while refreshing.');
          adoptTokens(body, sentAt);
          counters.refresh += 1;
          failures = 0;
          nextRetryAt = 0;
          lastRefreshAt = Date.now();
          publishCounters();
          renderRefreshInfo();
          return accessToken;
        },
        (error) => {
          if (gen !== generation) throw error;
          if (error instanceof TransientError) {
            failures += 1;
            counters.failures += 1;
            publishCounters();
            if (accessToken) scheduleRetry(error);
          } else if (accessToken) {
            signOut(error.message, 'error');
          }
          throw error;
        },
      )
      .finally(() => {
        refreshPromise = null;
      });
    return refreshPromise;
  }

  function refreshMargin(ms) {
    // ~15 % of the lifetime before expiry, at least a second (or half of a very short one).
    return Math.max(ms * 0.15, Math.min(1000, ms / 2));
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const delay = Math.max(0, expiresAt - refreshMargin(lifetime) - Date.now());
    refreshTimer = setTimeout(silentRefresh, delay);
  }

  function scheduleRetry(error) {
    clearTimeout(refreshTimer);
    const backoff = Math.min(MAX_RETRY_DELAY, 3000 * 2 ** (failures - 1));
    const delay = Math.max(error.retryAfterMs || 0, backoff);
    nextRetryAt = Date.now() + delay;
    refreshTimer = setTimeout(silentRefresh, delay);
    renderRefreshInfo(error.message);
  }

  function silentRefresh() {
    refresh().catch(() => {}); // failures are handled (and shown) inside refresh()
  }

  function adoptTokens(body, sentAt) {
    accessToken = body.access_token;
    claims = decodePayload(accessToken);
    const seconds = Number(body.expires_in);
    lifetime = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60000;
    // expires_in is relative, so the countdown does not depend on this machine's clock.
    expiresAt = sentAt + lifetime;
    scheduleRefresh();
    renderClaims();
    tick();
  }

  // ---------------------------------------------------------------------------------------
  // Calling the API with the access token
  // ---------------------------------------------------------------------------------------

  function send(method, path, token, body) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init);
  }

  /**
   * A request with the access token. Waits for a refresh in flight; on a 401 refreshes once
   * (joining any refresh already running) and retries once.
   */
  async function api(method, path, body) {
    if (refreshPromise) await refreshPromise.catch(() => {});
    if (!accessToken) throw new SessionEnded('You are signed out.');
    const used = accessToken;
    let response;
    try {
      response = await send(method, path, used, body);
    } catch {
      throw new TransientError('The server could not be reached.');
    }
    if (response.status !== 401) return response;

    if (accessToken === used) await refresh(); // throws when the session is over
    if (!accessToken) throw new SessionEnded('You are signed out.');
    counters.retry += 1;
    publishCounters();
    try {
      response = await send(method, path, accessToken, body);
    } catch {
      throw new TransientError('The server could not be reached.');
    }
    if (response.status === 401) {
      const error = new SessionEnded('Your session has ended. Please sign in again.');
      signOut(error.message, 'error');
      throw error;
    }
    return response;
  }

  // ---------------------------------------------------------------------------------------
  // Signing in and out
  // ---------------------------------------------------------------------------------------

  async function login(username, password) {
    const result = await withCookieLock(async () => {
      const sentAt = Date.now();
      const response = await cookiePost('/auth/login', { username, password, mode: 'cookie' });
      return { response, body: await readJSON(response), sentAt };
    });
    const { response, body, sentAt } = result;
    if (response.ok && body && typeof body.access_token === 'string') {
      generation += 1;
      failures = 0;
      adoptTokens(body, sentAt);
      enterSignedIn({ focus: true });
      broadcast('signed-in');
      return null;
    }
    if (response.status === 401) return 'Wrong username or password.';
    if (response.status === 429) {
      const wait = retryAfterMs(response);
      return `Too many failed sign-ins. Try again ${wait ? `in ${describeWait(wait)}` : 'later'}.`;
    }
    return describeError(body, response);
  }

  async function register(username, password) {
    const response = await fetch('/auth/register', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await readJSON(response);
    if (response.status === 201) return null;
    if (response.status === 409) return 'That username is taken.';
    return describeError(body, response);
  }

  function enterSignedIn({ focus }) {
    clearMessage();
    showView('signed-in');
    const name = (claims && (claims.preferred_username || claims.sub)) || 'you';
    $('who-name').textContent = name;
    $('hello-name').textContent = name;
    $('api-status').textContent = '';
    $('api-output').textContent = 'No call yet.';
    renderRefreshInfo();
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 200);
    tick();
    loadSessions();
    if (focus) $('signed-in-title').focus();
  }

  /** Forgets the tokens and shows the sign-in forms. */
  function signOut(message, kind = 'info', { notifyOthers = false } = {}) {
    generation += 1;
    accessToken = null;
    claims = null;
    failures = 0;
    nextRetryAt = 0;
    clearTimeout(refreshTimer);
    clearInterval(tickTimer);
    $('claims').replaceChildren();
    $('sessions').replaceChildren();
    $('login-password').value = '';
    $('register-password').value = '';
    const wasSignedIn = document.body.dataset.state === 'signed-in';
    showView('signed-out');
    if (message) say(message, kind);
    if (notifyOthers) broadcast('signed-out');
    if (wasSignedIn) $('login-username').focus();
  }

  async function logout() {
    let response;
    try {
      response = await withCookieLock(() => cookiePost('/auth/logout', {}));
    } catch {
      say('Could not sign out: the server could not be reached. Please try again.', 'error');
      return;
    }
    // 204: ended; 400: the session had already ended. Anything else (an outage, a refused
    // request) leaves the session alive on the server, so the page stays signed in and says so.
    if (response.status !== 204 && response.status !== 400) {
      say(`Could not sign out. ${describeError(await readJSON(response), response)} Please try again.`, 'error');
      return;
    }
    signOut('You have signed out.', 'ok', { notifyOthers: true });
  }

  async function logoutEverywhere() {
    let response;
    try {
      response = await api('POST', '/auth/logout-all');
    } catch (error) {
      if (!(error instanceof SessionEnded)) say(error.message, 'error');
      return;
    }
    if (response.status !== 204 && !response.ok) {
      say(`Could not sign out everywhere. ${describeError(await readJSON(response), response)}`, 'error');
      return;
    }
    // The cookie's session is revoked now; this clears the cookie itself.
    await withCookieLock(() => cookiePost('/auth/logout', {})).catch(() => {});
    signOut('You have signed out on every device.', 'ok', { notifyOthers: true });
  }

  /** Whether the browser holds a refresh cookie (HttpOnly, so only the server can tell). */
  async function hasRefreshCookie() {
    try {
      const response = await fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
      const body = await readJSON(response);
      return !(response.ok && body && body.refresh_cookie === false);
    } catch {
      return true; // unreachable: let the refresh report it
    }
  }

  /** Restores a session from the refresh cookie, if there is one. */
  async function restore() {
    // Asking first keeps a signed-out visit free of a refresh that can only fail (a 400 the
    // browser would show as an error).
    if (!(await hasRefreshCookie())) {
      if (!accessToken) showView('signed-out');
      return;
    }
    try {
      await refresh();
      enterSignedIn({ focus: false });
    } catch (error) {
      if (accessToken) return; // signed in meanwhile (another path won)
      showView('signed-out');
      if (error instanceof TransientError) say(error.message, 'error');
    }
  }

  // ---------------------------------------------------------------------------------------
  // Other tabs
  // ---------------------------------------------------------------------------------------

  function broadcast(type) {
    if (channel) channel.postMessage({ type });
  }

  if (channel) {
    channel.onmessage = (event) => {
      const type = event.data && event.data.type;
      if (type === 'signed-out' && accessToken) {
        signOut('You signed out in another tab.', 'info');
      } else if (type === 'signed-in' && !accessToken && !refreshPromise) {
        restore();
      }
    };
  }

  // ---------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------

  const CLAIM_ORDER = ['preferred_username', 'sub', 'roles', 'scope', 'sid', 'client_id', 'iss', 'aud', 'iat', 'nbf', 'exp', 'jti'];
  const TIME_CLAIMS = new Set(['iat', 'nbf', 'exp', 'auth_time']);
  const ID_CLAIMS = new Set(['sub', 'sid', 'jti']);

  function renderClaims() {
    const list = $('claims');
    list.replaceChildren();
    if (!claims) {
      list.append(el('dt', { text: '—' }), el('dd', { text: 'The token could not be decoded.' }));
      return;
    }
    const names = [
      ...CLAIM_ORDER.filter((name) => name in claims),
      ...Object.keys(claims).filter((name) => !CLAIM_ORDER.includes(name)).sort(),
    ];
    for (const name of names) {
      const value = claims[name];
      const dd = el('dd', { className: ID_CLAIMS.has(name) ? 'is-id' : '', attrs: { 'data-claim': name } });
      if (TIME_CLAIMS.has(name) && typeof value === 'number') {
        const date = new Date(value * 1000);
        dd.append(
          el('span', { className: 'mono', text: String(value) }),
          ' ',
          el('time', { className: 'when', text: `(${timeFormat.format(date)})`, attrs: { datetime: date.toISOString() } }),
        );
      } else if (Array.isArray(value)) {
        dd.textContent = value.length ? value.join(', ') : '(none)';
      } else {
        dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
      }
      list.append(el('dt', { text: name }), dd);
    }
  }

  function tick() {
    if (!accessToken) return;
    const remaining = expiresAt - Date.now();
    const countdown = $('countdown');
    countdown.textContent = formatRemaining(remaining);
    countdown.classList.toggle('is-low', remaining < refreshMargin(lifetime));
    const bar = $('countdown-bar');
    bar.value = Math.max(0, Math.min(1, remaining / lifetime));
    bar.setAttribute('aria-valuetext', formatRemaining(remaining));
  }

  function renderRefreshInfo(problem) {
    const info = $('refresh-info');
    if (problem) {
      const wait = Math.max(0, Math.round((nextRetryAt - Date.now()) / 1000));
      info.textContent = `Refresh failed: ${problem} Retrying in ${wait} s.`;
      return;
    }
    if (!counters.refresh || !lastRefreshAt) {
      info.textContent = 'Refreshes silently before it expires.';
      return;
    }
    const times = counters.refresh === 1 ? 'once' : `${counters.refresh} times`;
    info.textContent = `Refreshed silently ${times}; last at ${timeFormat.format(new Date(lastRefreshAt))}.`;
  }

  function renderSessions(sessions) {
    const list = $('sessions');
    list.replaceChildren();
    if (!sessions.length) {
      list.append(el('li', { className: 'sessions-empty', text: 'No active sessions.' }));
      return;
    }
    const ordered = [...sessions].sort((a, b) => (b.current ? 1 : 0) - (a.current ? 1 : 0) || (b.last_used_at || 0) - (a.last_used_at || 0));
    for (const session of ordered) {
      const device = describeAgent(session.user_agent);
      const created = new Date(session.created_at * 1000);
      const title = el('p', { className: 'session-title' }, [el('span', { text: device, attrs: session.user_agent ? { title: session.user_agent } : {} })]);
      if (session.current) title.append(el('span', { className: 'badge', text: 'This browser' }));
      const parts = [`Signed in ${relative(created.getTime())}`];
      if (session.last_used_at) parts.push(`last used ${relative(session.last_used_at * 1000)}`);
      if (session.idle_expires_at && session.expires_at && session.idle_expires_at < session.expires_at) {
        // A session ends when it goes unused for the refresh lifetime, and at the latest at
        // its absolute end: show both, not only the far one.
        parts.push(`ends ${relative(session.idle_expires_at * 1000)} unless used, ${relative(session.expires_at * 1000)} at the latest`);
      } else if (session.expires_at) {
        parts.push(`ends ${relative(session.expires_at * 1000)}`);
      }
      if (session.client_id) parts.push(`client ${session.client_id}`);
      const meta = el('p', { className: 'session-meta', text: parts.join(' · ') });
      meta.title = `Created ${dateTimeFormat.format(created)} · session ${session.id}`;

      const button = el('button', {
        className: session.current ? 'button button-small' : 'button button-small button-danger',
        text: session.current ? 'Log out' : 'Revoke',
        attrs: {
          type: 'button',
          'aria-label': session.current
            ? 'Log out of this browser'
            : `Revoke session: ${device}, signed in ${dateTimeFormat.format(created)}`,
        },
      });
      button.addEventListener('click', () => busy(button, () => (session.current ? logout() : revokeSession(session.id))));

      const item = el('li', { className: session.current ? 'session is-current' : 'session', attrs: { 'data-session-id': session.id } }, [
        el('div', { className: 'session-main' }, [title, meta]),
        button,
      ]);
      list.append(item);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Actions
  // ---------------------------------------------------------------------------------------

  async function loadSessions() {
    const list = $('sessions');
    list.setAttribute('aria-busy', 'true');
    try {
      const response = await api('GET', '/auth/sessions');
      const body = await readJSON(response);
      if (!response.ok || !Array.isArray(body)) {
        say(`Could not load the sessions. ${describeError(body, response)}`, 'error');
        return;
      }
      if (accessToken) renderSessions(body);
    } catch (error) {
      if (!(error instanceof SessionEnded)) say(error.message, 'error');
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }

  async function revokeSession(id) {
    try {
      const response = await api('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
      if (response.status === 204 || response.status === 404) {
        say('Session revoked: that device is signed out.', 'ok');
      } else {
        say(`Could not revoke the session. ${describeError(await readJSON(response), response)}`, 'error');
      }
    } catch (error) {
      if (!(error instanceof SessionEnded)) say(error.message, 'error');
      return;
    }
    await loadSessions();
  }

  async function callMe() {
    const status = $('api-status');
    const output = $('api-output');
    status.className = 'api-status';
    status.textContent = 'Calling…';
    delete status.dataset.status;
    const started = performance.now();
    try {
      const response = await api('GET', '/api/me');
      const body = await readJSON(response);
      const ms = Math.round(performance.now() - started);
      status.textContent = `${response.status} ${response.ok ? 'OK' : describeError(body, response)} · ${ms} ms`;
      status.classList.add(response.ok ? 'is-ok' : 'is-error');
      status.dataset.status = String(response.status);
      output.textContent = body ? JSON.stringify(body, null, 2) : '(empty response)';
    } catch (error) {
      status.classList.add('is-error');
      status.dataset.status = 'error';
      status.textContent = error instanceof SessionEnded ? 'Signed out.' : error.message;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------

  function readForm(form, errorBox) {
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    form.elements.username.removeAttribute('aria-invalid');
    form.elements.password.removeAttribute('aria-invalid');
    if (!username) {
      errorBox.textContent = 'Enter a username.';
      form.elements.username.setAttribute('aria-invalid', 'true');
      form.elements.username.focus();
      return null;
    }
    if (!password) {
      errorBox.textContent = 'Enter a password.';
      form.elements.password.setAttribute('aria-invalid', 'true');
      form.elements.password.focus();
      return null;
    }
    errorBox.textContent = '';
    return { username, password };
  }

  function fail(errorBox, text) {
    errorBox.textContent = text;
  }

  function boot() {
    const loginForm = $('login-form');
    const registerForm = $('register-form');

    loginForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const errorBox = $('login-error');
      const input = readForm(loginForm, errorBox);
      if (!input) return;
      clearMessage();
      busy($('login-submit'), async () => {
        try {
          const problem = await login(input.username, input.password);
          if (problem) {
            fail(errorBox, problem);
            loginForm.elements.password.select();
          } else {
            loginForm.reset();
          }
        } catch {
          fail(errorBox, 'The server could not be reached.');
        }
      });
    });

    registerForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const errorBox = $('register-error');
      const input = readForm(registerForm, errorBox);
      if (!input) return;
      clearMessage();
      busy($('register-submit'), async () => {
        try {
          const problem = (await register(input.username, input.password)) || (await login(input.username, input.password));
          if (problem) {
            fail(errorBox, problem);
          } else {
            registerForm.reset();
            say(`Welcome, ${input.username}: your account is ready and you are signed in.`, 'ok');
          }
        } catch {
          fail(errorBox, 'The server could not be reached.');
        }
      });
    });

    $('logout').addEventListener('click', (event) => busy(event.currentTarget, logout));
    $('logout-all').addEventListener('click', (event) => busy(event.currentTarget, logoutEverywhere));
    $('call-me').addEventListener('click', (event) => busy(event.currentTarget, callMe));
    $('sessions-reload').addEventListener('click', (event) => busy(event.currentTarget, loadSessions));
    $('refresh-now').addEventListener('click', (event) =>
      busy(event.currentTarget, async () => {
        try {
          await refresh();
          say('Token refreshed.', 'ok');
        } catch (error) {
          if (error instanceof TransientError) say(error.message, 'error');
        }
      }),
    );

    // Timers of hidden tabs are throttled: catch up when the page is shown again.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && accessToken && Date.now() >= expiresAt - refreshMargin(lifetime)) {
        silentRefresh();
      }
    });
    window.addEventListener('online', () => {
      if (accessToken && failures > 0) silentRefresh();
    });

    publishCounters();
    restore();
  }

  boot();
})();
