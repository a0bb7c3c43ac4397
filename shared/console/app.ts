/**
 * The customer-service console: a dependency-free single-page app over the `/agent/...` routes
 * (docs/customer-service.md). Plain DOM, native controls and hash routes, so every action works from the
 * keyboard and the page reads well on a laptop screen. `/` jumps to the search box from anywhere.
 */
import { formatMinorUnits } from '../domain/money.js';

type Json = Record<string, unknown>;
interface Session {
  token: string;
  expiresAt: string;
  agent: { id: string; username: string; roles: string[] };
}

const TOKEN_KEY = 'oms.console.session';
const main = document.getElementById('main') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;

const session = (): Session | undefined => {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  const parsed = stored ? (JSON.parse(stored) as Session) : undefined;
  return parsed && Date.parse(parsed.expiresAt) > Date.now() ? parsed : undefined;
};

function say(message: string, error = false): void {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', error);
}

/** Where the API is: the same origin locally, the HTTP API's URL when served from CloudFront. */
interface ConsoleConfig {
  apiBase?: string;
}
const config: Promise<ConsoleConfig> = fetch('config.json')
  .then((response) => (response.ok ? (response.json() as Promise<ConsoleConfig>) : {}))
  .catch(() => ({}));

/** One call to the agent API; a 401 signs the agent out, any other error is shown as the API phrased it. */
async function api<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const token = session()?.token;
  const { apiBase = '' } = await config;
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const payload = (await response.json().catch(() => ({}))) as Json;
  if (!response.ok) {
    const error = (payload.error ?? {}) as {
      message?: string;
      fields?: { field: string; message: string }[];
    };
    if (response.status === 401 && path !== '/agent/session') signOut();
    const fields = error.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    throw new Error(`${error.message ?? `HTTP ${response.status}`}${fields ? ` (${fields})` : ''}`);
  }
  return payload as T;
}

/** Builds an element: `h('td', { class: 'num' }, '12.00')`. Text is always set as text, never as HTML. */
function h(
  tag: string,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) element.append(child);
  return element;
}

function table(
  caption: string,
  columns: string[],
  rows: (string | Node)[][],
  numeric: number[] = [],
): HTMLElement {
  return h(
    'table',
    {},
    h('caption', { class: 'skip' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...columns.map((c, i) =>
          h('th', numeric.includes(i) ? { class: 'num', scope: 'col' } : { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...(rows.length === 0
        ? [h('tr', {}, h('td', { colspan: String(columns.length) }, 'None'))]
        : rows.map((row) =>
            h('tr', {}, ...row.map((cell, i) => h('td', numeric.includes(i) ? { class: 'num' } : {}, cell))),
          )),
    ),
  );
}

const money = (minor: unknown, currency: unknown) =>
  typeof minor === 'number' && typeof currency === 'string'
    ? `${formatMinorUnits(minor, currency)} ${currency}`
    : '';
const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));

function show(...content: Node[]): void {
  main.replaceChildren(...content);
}

function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '#/sign-in';
  render();
}

function signInView(): void {
  nav.hidden = true;
  const form = h(
    'form',
    { 'aria-label': 'Sign in' },
    h('label', {}, 'Username', h('input', { name: 'username', autocomplete: 'username', required: '' })),
    h(
      'label',
      {},
      'Password',
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: '' }),
    ),
    h('button', { type: 'submit' }, 'Sign in'),
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const created = await api<Session>('POST', '/agent/session', {
        username: data.get('username'),
        password: data.get('password'),
      });
      sessionStorage.setItem(TOKEN_KEY, JSON.stringify(created));
      say(`Signed in as ${created.agent.username}`);
      location.hash = '#/search';
    } catch (error) {
      say((error as Error).message, true);
    }
  });
  show(h('h2', {}, 'Sign in'), form);
  (form.querySelector('input') as HTMLInputElement).focus();
}

function searchView(query: string): void {
  const input = h('input', {
    name: 'q',
    id: 'search',
    type: 'search',
    value: query,
    size: '40',
    required: '',
  }) as HTMLInputElement;
  const form = h(
    'form',
    { role: 'search', 'aria-label': 'Find an order' },
    h('label', {}, 'Order id, email or order number', input),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`;
  });
  const results = h('div', { id: 'results' });
  show(h('h2', {}, 'Find an order'), form, results);
  input.focus();
  if (!query) return;
  say('Searching…');
  api<{ orders: Json[] }>('GET', `/agent/orders?q=${encodeURIComponent(query)}`).then(
    ({ orders }) => {
      say(`${orders.length} order${orders.length === 1 ? '' : 's'} found`);
      results.replaceChildren(
        table(
          'Orders found',
          ['Order', 'Placed', 'Customer', 'Status', 'Total'],
          orders.map((order) => [
            h('a', { href: `#/orders/${text(order.id)}` }, text(order.orderNumber ?? order.externalId)),
            text(order.createdAt).slice(0, 16).replace('T', ' '),
            `${text(order.customerName)} <${text(order.customerEmail)}>`,
            h('span', { class: 'badge' }, text(order.status)),
            money(order.grandTotal, order.currency),
          ]),
          [4],
        ),
      );
    },
    (error: Error) => say(error.message, true),
  );
}

async function orderView(id: string): Promise<void> {
  say('Loading order…');
  const order = await api<Json & { lines: Json[]; timeline: Json[] }>(
    'GET',
    `/agent/orders/${encodeURIComponent(id)}`,
  );
  const currency = order.currency;
  const customer = (order.customer ?? {}) as Json;
  const address = (order.shippingAddress ?? {}) as Json;
  const totals = (order.totals ?? {}) as Json;
  const payment = (order.payment ?? {}) as Json;
  const shipments = (order.shipments ?? []) as Json[];
  const allocations = (order.allocations ?? []) as Json[];
  const heading = h(
    'h2',
    { tabindex: '-1' },
    `Order ${text(order.orderNumber ?? order.externalId)} `,
    h('span', { class: 'badge' }, text(order.status)),
  );
  show(
    heading,
    h(
      'dl',
      {},
      h('dt', {}, 'Order id'),
      h('dd', {}, text(order.id)),
      h('dt', {}, 'Channel'),
      h('dd', {}, `${text(order.channel)} ${text(order.externalId)}`),
      h('dt', {}, 'Customer'),
      h('dd', {}, `${text(customer.name)} <${text(customer.email)}> ${text(customer.phone)}`),
      h('dt', {}, 'Ship to'),
      h(
        'dd',
        {},
        [
          address.name,
          address.line1,
          address.line2,
          address.city,
          address.region,
          address.postalCode,
          address.country,
        ]
          .filter(Boolean)
          .join(', '),
      ),
      h('dt', {}, 'Promised by'),
      h('dd', {}, text(order.promisedBy)),
      h('dt', {}, 'Total'),
      h('dd', {}, money(totals.grand, currency)),
    ),
    h('h3', {}, 'Lines'),
    table(
      'Lines',
      ['SKU', 'Name', 'Quantity', 'Unit price', 'Discount'],
      order.lines.map((line) => [
        text(line.sku),
        text(line.name),
        text(line.quantity),
        money(line.unitPrice, currency),
        money(line.discount, currency),
      ]),
      [2, 3, 4],
    ),
    h('h3', {}, 'Allocations'),
    table(
      'Allocations',
      ['Location', 'Lines'],
      allocations.map((a) => [text(a.locationId), JSON.stringify(a.lines ?? '')]),
    ),
    h('h3', {}, 'Shipments'),
    table(
      'Shipments',
      ['Shipment', 'From', 'Carrier', 'Service', 'Tracking', 'Estimated delivery'],
      shipments.map((s) => [
        text(s.id),
        text(s.locationId),
        text(s.carrier),
        text(s.service),
        text(s.trackingNumber),
        text(s.estimatedDelivery).slice(0, 10),
      ]),
    ),
    h('h3', {}, 'Payment'),
    h(
      'dl',
      {},
      h('dt', {}, 'Status'),
      h('dd', {}, text(payment.status)),
      h('dt', {}, 'Authorized'),
      h('dd', {}, money(payment.amount ?? totals.grand, currency)),
      h('dt', {}, 'Captured'),
      h('dd', {}, money(payment.captured ?? 0, currency)),
    ),
    h('h3', {}, 'Timeline'),
    table(
      'Timeline',
      ['When', 'What', 'Detail'],
      order.timeline.map((entry) => [
        text(entry.at).replace('T', ' ').slice(0, 19),
        text(entry.type),
        entry.detail ? JSON.stringify(entry.detail) : '',
      ]),
    ),
  );
  say(`Order ${text(order.id)} loaded`);
  heading.focus();
}

function inventoryView(sku: string): void {
  const input = h('input', { name: 'sku', value: sku, required: '' }) as HTMLInputElement;
  const form = h(
    'form',
    { 'aria-label': 'Stock of a SKU' },
    h('label', {}, 'SKU', input),
    h('button', { type: 'submit' }, 'Show stock'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/inventory/${encodeURIComponent(input.value.trim())}`;
  });
  const results = h('div');
  show(h('h2', {}, 'Inventory'), form, results);
  input.focus();
  if (!sku) return;
  api<{ locations: Json[]; totals: { available: number } }>(
    'GET',
    `/agent/inventory/${encodeURIComponent(sku)}`,
  ).then(
    (stock) => {
      say(`${sku}: ${stock.totals.available} available`);
      results.replaceChildren(
        table(
          'Stock by location',
          ['Location', 'On hand', 'Reserved', 'Available'],
          stock.locations.map((l) => [
            text(l.locationId),
            text(l.onHand),
            text(l.reserved),
            text(l.available),
          ]),
          [1, 2, 3],
        ),
      );
    },
    (error: Error) => say(error.message, true),
  );
}

async function metricsView(): Promise<void> {
  const metrics = await api<Json>('GET', '/agent/metrics/live');
  const byStatus = (metrics.ordersByStatus ?? metrics.openOrders ?? {}) as Json;
  show(
    h('h2', {}, 'Live metrics'),
    table(
      'Orders by status',
      ['Status', 'Orders'],
      Object.entries(byStatus).map(([status, count]) => [status, text(count)]),
      [1],
    ),
    h('details', {}, h('summary', {}, 'All figures'), h('pre', {}, JSON.stringify(metrics, null, 2))),
  );
  say('Live metrics loaded');
}

async function render(): Promise<void> {
  const current = session();
  if (!current) {
    signInView();
    return;
  }
  nav.hidden = false;
  (document.getElementById('who') as HTMLElement).textContent =
    `${current.agent.username} (${current.agent.roles.join(', ')})`;
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const [, section, id = ''] = path.split('/');
  try {
    if (section === 'orders' && id) await orderView(decodeURIComponent(id));
    else if (section === 'inventory') inventoryView(decodeURIComponent(id));
    else if (section === 'metrics') await metricsView();
    else searchView(params.get('q') ?? '');
  } catch (error) {
    say((error as Error).message, true);
  }
}

document.getElementById('sign-out')?.addEventListener('click', signOut);
document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
    event.preventDefault();
    const box = document.getElementById('search');
    if (box) box.focus();
    else location.hash = '#/search';
  }
});
window.addEventListener('hashchange', () => void render());
void render();
