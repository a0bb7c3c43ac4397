import '../../../shared/runtime/aws.js';
import { proposeReorders } from '../../../shared/app/jobs.js';
import { optionalJsonBody, ReorderBodySchema } from '../../../shared/app/purchasing-input.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /jobs/reorder — the reorder job on demand: the same run as the daily schedule, answered with its result. */
export const handler = apiHandler(async (event) => {
  const body = optionalJsonBody(event, ReorderBodySchema);
  const { run, uri, jsonUri } = await proposeReorders(
    deps(),
    body.send === undefined ? {} : { send: body.send },
  );
  return json(200, { ...run, files: { csv: uri, json: jsonUri } });
});
