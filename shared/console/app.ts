/**
 * The customer-service console: a dependency-free single-page app over the `/agent/...` routes
 * (docs/customer-service.md). Plain DOM, native controls and hash routes, so every action works from the
 * keyboard and the page reads well on a laptop screen. `/` jumps to the search box from anywhere.
 */
import { formatMinorUnits, toMinorUnits } from '../domain/money.js';

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

/** An answer of the API that is not a success, with its HTTP status (0: no answer at all). */
class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** One call to the agent API; a 401 signs the agent out, any other error is shown as the API phrased it. */
async function api<T = Json>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const token = session()?.token;
  const { apiBase = '' } = await config;
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: Error) => {
    throw new ApiError(`No answer from the API (${error.message}): submit again to retry`, 0);
  });
  const payload = (await response.json().catch(() => ({}))) as Json;
  if (!response.ok) {
    const error = (payload.error ?? {}) as {
      message?: string;
      fields?: { field: string; message: string }[];
    };
    if (response.status === 401 && path !== '/agent/session') signOut();
    const fields = error.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    throw new ApiError(
      `${error.message ?? `HTTP ${response.status}`}${fields ? ` (${fields})` : ''}`,
      response.status,
    );
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
    h('label', {}, 'Order id or number, email, phone or external id', input),
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

type OrderJson = Json & { id: string; currency: string; lines: Json[]; timeline: Json[] };

/** The order on screen: actions re-render from the `order` their response carries. */
async function orderView(id: string): Promise<void> {
  say('Loading order…');
  const order = await api<OrderJson>('GET', `/agent/orders/${encodeURIComponent(id)}`);
  renderOrder(order);
  say(`Order ${order.id} loaded`);
}

const addressText = (address: Json) =>
  [
    address.name,
    address.company,
    address.line1,
    address.line2,
    address.city,
    address.region,
    address.postalCode,
    address.country,
    address.phone,
  ]
    .filter(Boolean)
    .join(', ');

/** Draws the whole order, then fills its returns and documents, which come from their own routes. */
function renderOrder(order: OrderJson): void {
  const currency = order.currency;
  const customer = (order.customer ?? {}) as Json;
  const fulfillment = (order.fulfillment ?? { type: 'ship' }) as Json;
  const totals = (order.totals ?? {}) as Json;
  const shipments = (order.shipments ?? []) as Json[];
  const allocations = (order.allocations ?? []) as Json[];
  const cancellation = order.cancellation as Json | null | undefined;
  const heading = h(
    'h2',
    { tabindex: '-1', id: 'order-heading' },
    `Order ${text(order.orderNumber ?? order.externalId)} `,
    h('span', { class: 'badge' }, text(order.status)),
  );
  const returns = h('div', { id: 'returns' }, 'Loading returns…');
  const documents = h('div', { id: 'documents' }, 'Loading documents…');
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
      h('dt', {}, fulfillment.type === 'pickup' ? 'Pick up at' : 'Ship to'),
      h(
        'dd',
        { id: 'ship-to' },
        fulfillment.type === 'pickup'
          ? text(fulfillment.locationId)
          : addressText((order.shippingAddress ?? {}) as Json),
      ),
      h('dt', {}, 'Promised by'),
      h('dd', {}, text(order.promisedBy)),
      h('dt', {}, 'Total'),
      h('dd', {}, money(totals.grand, currency)),
      ...(cancellation
        ? [
            h('dt', {}, 'Cancelled by'),
            h(
              'dd',
              {},
              `${text((cancellation.by as Json | undefined)?.username)}: ${text(cancellation.reason)}`,
            ),
          ]
        : []),
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
    actionsOf(order),
    h('h3', {}, 'Payment'),
    paymentOf(order),
    h('h3', {}, 'Returns'),
    returns,
    h('h3', {}, 'Allocations'),
    table(
      'Allocations',
      ['Location', 'Lines'],
      allocations.map((a) => [text(a.locationId), skuList(a.lines)]),
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
    h('h3', {}, 'Documents'),
    documents,
    h('h3', {}, 'Timeline'),
    timelineOf(order.timeline),
  );
  heading.focus();
  void fillReturns(order, returns);
  void fillDocuments(order.id, documents);
}

/** `2 × SKU-A, 1 × SKU-B`: a list of `{ sku, quantity }` in one cell. */
const skuList = (lines: unknown) =>
  Array.isArray(lines)
    ? (lines as Json[]).map((line) => `${text(line.quantity)} × ${text(line.sku)}`).join(', ')
    : '';

function paymentOf(order: OrderJson): HTMLElement {
  const currency = order.currency;
  const payment = (order.payment ?? {}) as Json;
  // A payment captured in one go records its capture id on the payment itself, not in `captures`.
  const captures = (payment.captures ??
    (payment.captureId ? [{ captureId: payment.captureId, amount: payment.captured }] : [])) as Json[];
  return h(
    'div',
    { id: 'payment' },
    h(
      'dl',
      {},
      h('dt', {}, 'Status'),
      h('dd', {}, text(payment.status)),
      h('dt', {}, 'Authorized'),
      h('dd', {}, money(payment.amount ?? (order.totals as Json | undefined)?.grand, currency)),
      h('dt', {}, 'Captured'),
      h('dd', {}, money(payment.captured ?? 0, currency)),
      h('dt', {}, 'Refunded'),
      h('dd', {}, money(payment.refunded ?? 0, currency)),
    ),
    ...(captures.length > 0
      ? [
          table(
            'Captures',
            ['Shipment', 'Capture', 'Amount', 'When'],
            captures.map((c) => [
              text(c.shipmentId),
              text(c.captureId),
              money(c.amount, currency),
              text(c.at).replace('T', ' ').slice(0, 19),
            ]),
            [2],
          ),
        ]
      : []),
  );
}

/** Every line of the timeline, with who made an agent's change and why in columns of their own. */
function timelineOf(timeline: Json[]): HTMLElement {
  const lines = table(
    'Timeline',
    ['When', 'What', 'By', 'Why', 'Detail'],
    timeline.map((entry) => {
      const { by, reason, ...rest } = (entry.detail ?? {}) as Json;
      return [
        text(entry.at).replace('T', ' ').slice(0, 19),
        text(entry.type),
        text((by as Json | undefined)?.username),
        text(reason),
        Object.keys(rest).length > 0 ? JSON.stringify(rest) : '',
      ];
    }),
  );
  lines.classList.add('timeline');
  return lines;
}

async function fillReturns(order: OrderJson, into: HTMLElement): Promise<void> {
  try {
    const { returns } = await api<{ returns: Json[] }>(
      'GET',
      `/agent/orders/${encodeURIComponent(order.id)}/returns`,
    );
    into.replaceChildren(
      table(
        'Returns',
        ['Return', 'Status', 'Requested', 'Received', 'Resolution', 'Label', 'Due', 'Settled'],
        returns.map((rma) => {
          const label = (rma.label ?? {}) as Json;
          const lines = (rma.lines ?? []) as Json[];
          const refund = rma.refund as Json | null;
          const credit = rma.storeCredit as Json | null;
          return [
            text(rma.id),
            h('span', { class: 'badge' }, text(rma.status)),
            skuList(lines.map((line) => ({ sku: line.sku, quantity: line.requested }))),
            lines
              .flatMap((line) =>
                ((line.receipts ?? []) as Json[]).map(
                  (r) =>
                    `${text(r.quantity)} × ${text(line.sku)} ${text(r.condition)}, ${text(r.disposition)} ${text(r.locationId)}`,
                ),
              )
              .join('; '),
            text(rma.resolution),
            [label.carrier, label.service, label.trackingNumber].filter(Boolean).join(' '),
            rma.due === null || rma.due === undefined ? '' : money(rma.due, order.currency),
            refund
              ? `refund ${money(refund.amount, order.currency)}`
              : credit
                ? `store credit ${money(credit.amount, order.currency)}`
                : '',
          ];
        }),
        [6],
      ),
      ...returns.flatMap((rma) => returnActions(rma)),
    );
  } catch (error) {
    into.replaceChildren(`Returns unavailable: ${(error as Error).message}`);
  }
}

async function fillDocuments(orderId: string, into: HTMLElement): Promise<void> {
  try {
    const { documents } = await api<{ documents: Json[] }>(
      'GET',
      `/agent/orders/${encodeURIComponent(orderId)}/documents`,
    );
    into.replaceChildren(
      table(
        'Documents',
        ['Document', 'Type', 'Shipment', 'Date', 'Size'],
        documents.map((d) => [
          text(d.id),
          text(d.type),
          text(d.shipmentId),
          text(d.documentDate).slice(0, 10),
          `${Math.ceil(Number(d.size ?? 0) / 1024)} KB`,
        ]),
        [4],
      ),
    );
  } catch (error) {
    into.replaceChildren(`Documents unavailable: ${(error as Error).message}`);
  }
}

interface Submission {
  method: string;
  path: string;
  body: Json;
}

/**
 * One action as a form folded under its name: the fields, a required reason, and a submit button. Each
 * submission sends an `Idempotency-Key` of its own; a submission whose outcome is unknown (the network
 * failed, the API answered 5xx) keeps its key while the form is unchanged, so submitting again is a retry the
 * API answers from what it stored, never a second refund. The answer's `order` redraws the page; an
 * error is shown in the status line as the API phrased it.
 */
function actionForm(options: {
  name: string;
  submit: string;
  fields: Node[];
  build: (data: FormData) => Submission;
  done: (response: Json) => string;
}): HTMLElement {
  const button = h('button', { type: 'submit' }, options.submit) as HTMLButtonElement;
  const form = h(
    'form',
    { 'aria-label': options.name, class: 'action' },
    ...options.fields,
    h(
      'label',
      { class: 'reason' },
      'Reason',
      h('textarea', { name: 'reason', required: '', maxlength: '500', rows: '2', cols: '40' }),
    ),
    button,
  ) as HTMLFormElement;
  let pending: { key: string; request: string } | undefined;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let submission: Submission;
    try {
      const data = new FormData(form);
      const built = options.build(data);
      submission = { ...built, body: { reason: text(data.get('reason')).trim(), ...built.body } };
    } catch (error) {
      say((error as Error).message, true);
      return;
    }
    const request = JSON.stringify(submission);
    if (pending?.request !== request) pending = { key: crypto.randomUUID(), request };
    button.disabled = true;
    say(`${options.name}…`);
    try {
      const response = await api<Json>(submission.method, submission.path, submission.body, {
        'idempotency-key': pending.key,
      });
      pending = undefined;
      if (response.order) renderOrder(response.order as OrderJson);
      // A retry the API recognised: the earlier submission had gone through, nothing was done twice.
      say(
        `${options.done(response)}${response.duplicate ? ' (already done by the earlier submission)' : ''}`,
      );
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0;
      if (status >= 400 && status < 500) pending = undefined;
      button.disabled = false;
      // Disabling the button dropped the focus to the page: give it back where the agent was.
      button.focus();
      say((error as Error).message, true);
    }
  });
  return h('details', { class: 'action' }, h('summary', {}, options.name), form);
}

const field = (label: string, attributes: Record<string, string>) =>
  h('label', {}, label, h('input', attributes));

function select(label: string, name: string, choices: [string, string][], value = ''): HTMLElement {
  return h(
    'label',
    {},
    label,
    h(
      'select',
      { name },
      ...choices.map(([choice, caption]) =>
        h('option', choice === value ? { value: choice, selected: '' } : { value: choice }, caption),
      ),
    ),
  );
}

/** A quantity box per line, named `<prefix>:<sku>`; `picked` reads the quantities entered above zero. */
function quantityTable(caption: string, prefix: string, lines: Json[], initial = 0): HTMLElement {
  return table(
    caption,
    ['SKU', 'Ordered', caption],
    lines.map((line) => [
      text(line.sku),
      text(line.quantity),
      h('input', {
        name: `${prefix}:${text(line.sku)}`,
        type: 'number',
        min: '0',
        max: text(line.quantity),
        value: String(initial),
        size: '4',
        'aria-label': `${caption} of ${text(line.sku)}`,
      }),
    ]),
    [1, 2],
  );
}

function picked(data: FormData, prefix: string): { sku: string; quantity: number }[] {
  const lines: { sku: string; quantity: number }[] = [];
  for (const [name, value] of data.entries()) {
    if (!name.startsWith(`${prefix}:`)) continue;
    const quantity = Number(value);
    if (!Number.isInteger(quantity) || quantity < 0) throw new Error(`${name}: a whole number of units`);
    if (quantity > 0) lines.push({ sku: name.slice(prefix.length + 1), quantity });
  }
  if (lines.length === 0) throw new Error('Enter a quantity on at least one line');
  return lines;
}

/** Optional text fields: left out of the body when empty, as the API's schema expects. */
function optional(data: FormData, names: string[]): Json {
  const values: Json = {};
  for (const name of names) {
    const value = text(data.get(name)).trim();
    if (value) values[name] = value;
  }
  return values;
}

/** The changes an agent can make to the order: each asks for a reason and says what it did. */
function actionsOf(order: OrderJson): HTMLElement {
  const id = encodeURIComponent(order.id);
  const currency = order.currency;
  const address = (order.shippingAddress ?? {}) as Json;
  const fulfillment = (order.fulfillment ?? { type: 'ship' }) as Json;
  const addressField = (label: string, name: string, required = false) =>
    field(label, {
      name,
      value: text(address[name]),
      ...(required ? { required: '' } : {}),
      ...(name === 'country' ? { size: '3', maxlength: '2', pattern: '[A-Z]{2}' } : {}),
    });
  const paymentMoved = (response: Json) => {
    const payment = response.payment as Json | undefined;
    return payment && payment.action !== 'none'
      ? `; payment ${text(payment.action)} from ${money(payment.before, currency)} to ${money(payment.after, currency)}`
      : '';
  };
  return h(
    'section',
    { 'aria-label': 'Actions', class: 'actions' },
    h('h3', {}, 'Actions'),
    actionForm({
      name: 'Cancel order',
      submit: 'Cancel the whole order',
      fields: [],
      build: () => ({ method: 'POST', path: `/agent/orders/${id}/cancellation`, body: {} }),
      done: (response) => `Order cancelled${paymentMoved(response)}`,
    }),
    actionForm({
      name: 'Cancel lines',
      submit: 'Cancel these units',
      fields: [quantityTable('Units to cancel', 'cancel', order.lines)],
      build: (data) => ({
        method: 'POST',
        path: `/agent/orders/${id}/cancellation`,
        body: { lines: picked(data, 'cancel') },
      }),
      done: (response) =>
        `${response.whole ? 'Order cancelled: ' : 'Cancelled '}${skuList(response.cancelled)}${paymentMoved(response)}`,
    }),
    actionForm({
      name: 'Edit shipping address',
      submit: 'Save the address',
      fields: [
        addressField('Name', 'name'),
        addressField('Company', 'company'),
        addressField('Address line 1', 'line1', true),
        addressField('Address line 2', 'line2'),
        addressField('City', 'city', true),
        addressField('Region', 'region'),
        addressField('Postal code', 'postalCode', true),
        addressField('Country', 'country', true),
        addressField('Phone', 'phone'),
        select(
          'Residential',
          'residential',
          [
            ['', 'As the carrier decides'],
            ['true', 'Residence'],
            ['false', 'Business'],
          ],
          address.residential === undefined ? '' : String(address.residential),
        ),
      ],
      build: (data) => {
        const residential = text(data.get('residential'));
        return {
          method: 'PUT',
          path: `/agent/orders/${id}/shipping`,
          body: {
            address: {
              ...optional(data, [
                'name',
                'company',
                'line1',
                'line2',
                'city',
                'region',
                'postalCode',
                'country',
                'phone',
              ]),
              ...(residential ? { residential: residential === 'true' } : {}),
            },
          },
        };
      },
      done: (response) =>
        `Shipping address changed${response.resourced ? '; the order was sourced again' : ''}`,
    }),
    actionForm({
      name: 'Change delivery method',
      submit: 'Change the method',
      fields: [
        select(
          'Method',
          'type',
          [
            ['ship', 'Ship to the address'],
            ['pickup', 'Pick up in store'],
          ],
          text(fulfillment.type),
        ),
        field('Pickup location', { name: 'locationId', value: text(fulfillment.locationId) }),
      ],
      build: (data) => {
        const type = text(data.get('type'));
        const locationId = text(data.get('locationId')).trim();
        if (type === 'pickup' && !locationId) throw new Error('Pickup location: name the store');
        return {
          method: 'PUT',
          path: `/agent/orders/${id}/shipping`,
          body: { fulfillment: type === 'pickup' ? { type, locationId } : { type } },
        };
      },
      done: () => 'Delivery method changed',
    }),
    actionForm({
      name: 'Refund or appeasement',
      submit: 'Grant it',
      fields: [
        select('Kind', 'kind', [
          ['refund', 'Refund to the card'],
          ['coupon', 'Coupon'],
        ]),
        field(`Amount (${currency})`, { name: 'amount', inputmode: 'decimal', size: '8' }),
        field('Or percent off (coupon)', {
          name: 'percentOff',
          type: 'number',
          min: '1',
          max: '100',
          size: '4',
        }),
      ],
      build: (data) => {
        const kind = text(data.get('kind'));
        const amount = text(data.get('amount')).trim();
        const percentOff = text(data.get('percentOff')).trim();
        if (kind === 'coupon' && percentOff && !amount) {
          return {
            method: 'POST',
            path: `/agent/orders/${id}/appeasements`,
            body: { kind, percentOff: Number(percentOff) },
          };
        }
        if (!amount) throw new Error('Amount: enter how much');
        return {
          method: 'POST',
          path: `/agent/orders/${id}/appeasements`,
          body: { kind, amount: toMinorUnits(amount, currency, 'Amount') },
        };
      },
      done: (response) => {
        const granted = (response.appeasement ?? {}) as Json;
        const value =
          granted.amount === undefined ? `${text(granted.percentOff)}% off` : money(granted.amount, currency);
        return granted.kind === 'coupon'
          ? `Coupon ${text(granted.code)} for ${value} issued`
          : `Refund of ${value} issued`;
      },
    }),
    actionForm({
      name: 'Create return',
      submit: 'Create the return',
      fields: [
        quantityTable('Units to return', 'return', order.lines),
        select('Resolution', 'resolution', [
          ['refund', 'Refund'],
          ['store_credit', 'Store credit'],
          ['exchange', 'Exchange for the same items'],
        ]),
      ],
      build: (data) => {
        const lines = picked(data, 'return');
        const resolution = text(data.get('resolution'));
        return {
          method: 'POST',
          path: `/agent/orders/${id}/returns`,
          body: { lines, resolution, ...(resolution === 'exchange' ? { exchange: lines } : {}) },
        };
      },
      done: (response) => `Return ${text((response.return as Json | undefined)?.id)} requested`,
    }),
  );
}

/** What can be done next with a return, by its status. */
function returnActions(rma: Json): HTMLElement[] {
  const path = `/agent/returns/${encodeURIComponent(text(rma.id))}`;
  const said = (what: string) => (response: Json) =>
    `Return ${text(rma.id)} ${what}: ${text((response.return as Json | undefined)?.status)}`;
  const step = (name: string, submit: string, route: string, what: string) =>
    actionForm({
      name: `${name} return ${text(rma.id)}`,
      submit,
      fields: [],
      build: () => ({ method: 'POST', path: `${path}/${route}`, body: {} }),
      done: said(what),
    });
  const lines = (rma.lines ?? []) as Json[];
  switch (rma.status) {
    case 'requested':
      return [
        step('Authorize', 'Authorize and issue the label', 'authorization', 'authorized'),
        step('Refuse', 'Refuse the return', 'refusal', 'refused'),
      ];
    case 'authorized':
      return [
        actionForm({
          name: `Receive return ${text(rma.id)}`,
          submit: 'Record the receipt',
          fields: [
            table(
              'Units received',
              ['SKU', 'Quantity', 'Condition', 'Disposition', 'Location'],
              lines.map((line) => {
                const sku = text(line.sku);
                const due = Number(line.requested ?? 0) - Number(line.received ?? 0);
                const named = (label: string, node: HTMLElement) => {
                  node.setAttribute('aria-label', `${label} of ${sku}`);
                  return node;
                };
                const choose = (name: string, choices: [value: string, label: string][]) =>
                  named(
                    name,
                    h(
                      'select',
                      { name: `${name}:${sku}` },
                      ...choices.map(([value, label]) => h('option', { value }, label)),
                    ),
                  );
                return [
                  sku,
                  named(
                    'quantity',
                    h('input', {
                      name: `quantity:${sku}`,
                      type: 'number',
                      min: '0',
                      max: String(due),
                      value: String(due),
                      size: '4',
                    }),
                  ),
                  choose('condition', [
                    ['sellable', 'sellable'],
                    ['damaged', 'damaged'],
                    ['defective', 'defective'],
                  ]),
                  // Unless the agent decides, the returns policy does by condition (damaged: written off).
                  choose('disposition', [
                    ['', 'as the policy says'],
                    ['restock', 'restock'],
                    ['write_off', 'write off'],
                  ]),
                  named(
                    'location',
                    h('input', { name: `location:${sku}`, value: text(rma.returnLocationId), size: '10' }),
                  ),
                ];
              }),
            ),
          ],
          build: (data) => ({
            method: 'POST',
            path: `${path}/receipt`,
            body: {
              lines: picked(data, 'quantity').map(({ sku, quantity }) => {
                const locationId = text(data.get(`location:${sku}`)).trim();
                const disposition = text(data.get(`disposition:${sku}`));
                return {
                  sku,
                  quantity,
                  condition: text(data.get(`condition:${sku}`)),
                  ...(disposition ? { disposition } : {}),
                  ...(locationId ? { locationId } : {}),
                };
              }),
            },
          }),
          done: said('received'),
        }),
      ];
    case 'received':
      return [
        step('Resolve', `Resolve with ${text(rma.resolution).replace('_', ' ')}`, 'resolution', 'resolved'),
      ];
    default:
      return [];
  }
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
