import '../../../shared/runtime/aws.js';
import { toOrderView } from '../../../shared/app/order-view.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { getOrderAggregate } from '../../../shared/store/orders.js';

/** GET /agent/orders/{id} — everything the console shows of one order (the view of GET /orders/{id}). */
export const handler = apiHandler(
  async (event) => {
    const id = event.pathParameters?.id ?? '';
    const aggregate = /^ord_[a-z0-9]{1,40}$/.test(id) ? await getOrderAggregate(deps(), id) : undefined;
    if (!aggregate) throw new NotFoundError(`order ${id} does not exist`);
    return json(200, toOrderView(aggregate));
  },
  { auth: 'agent' },
);
