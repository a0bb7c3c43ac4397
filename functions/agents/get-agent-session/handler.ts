import '../../../shared/runtime/aws.js';
import { agentOf } from '../../../shared/http/agent-auth.js';
import { apiHandler, json } from '../../../shared/http/api.js';

/** GET /agent/session — the signed-in agent and their roles (the console shows what they may do). */
export const handler = apiHandler(async (event) => json(200, { agent: agentOf(event) }), { auth: 'agent' });
