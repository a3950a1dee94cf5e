import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import type { Db } from '../store/db.ts';
import type { NodeRow } from '../store/workflows.ts';
import { WorkflowsRepo } from '../store/workflows.ts';
import type { ProxyRequest, ProxyService } from './proxy.ts';
import type { WorkflowsService } from './workflows.ts';

export interface StepResult {
  nodeId: string;
  status: 'succeeded' | 'failed' | 'skipped';
  error?: string;
  output?: unknown;
}

export interface RunResult {
  runId: string;
  status: 'succeeded' | 'failed';
  steps: StepResult[];
}

type Params = Record<string, unknown>;

const str = (params: Params, key: string): string => {
  const v = params[key];
  if (typeof v !== 'string' || v.length === 0) throw new AppError('invalid_request', `The step's parameter "${key}" is missing.`);
  return v;
};

/**
 * The built-in actions: each a thin mapping onto the provider API through the proxy, so the
 * token never leaves Tether and only the provider's API host ever receives it.
 */
export const actions: Record<string, (params: Params, input: unknown) => ProxyRequest & { baseUrl?: string }> = {
  /** Any call to the connection's provider API. */
  'http.request': (p) => ({
    method: (typeof p.method === 'string' ? p.method.toUpperCase() : 'GET') as ProxyRequest['method'],
    path: str(p, 'path'),
    query: p.query as ProxyRequest['query'],
    headers: p.headers as ProxyRequest['headers'],
    body: p.body,
  }),
  /** @see https://api.slack.com/methods/chat.postMessage */
  'slack.post_message': (p) => ({ method: 'POST', path: '/chat.postMessage', body: { channel: str(p, 'channel'), text: str(p, 'text') } }),
  /** @see https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append */
  'google.sheets.append_row': (p) => ({
    method: 'POST',
    baseUrl: 'https://sheets.googleapis.com',
    path: `/v4/spreadsheets/${encodeURIComponent(str(p, 'spreadsheetId'))}/values/${encodeURIComponent(str(p, 'range'))}:append`,
    query: { valueInputOption: 'USER_ENTERED' },
    body: { values: [Array.isArray(p.values) ? p.values : []] },
  }),
  /** @see https://learn.microsoft.com/graph/api/user-sendmail */
  'microsoft.mail.send': (p) => ({
    method: 'POST',
    path: '/v1.0/me/sendMail',
    body: { message: { subject: str(p, 'subject'), body: { contentType: 'Text', content: str(p, 'body') }, toRecipients: [{ emailAddress: { address: str(p, 'to') } }] } },
  }),
};

/** One parameter of a built-in action, as a workflow builder asks for it. */
export interface ActionParam {
  name: string;
  label: string;
  required: boolean;
  /** `text`: a string; `list`: an array of strings (a row of values); `choice`: one of `options`. */
  kind: 'text' | 'list' | 'choice';
  options?: readonly string[];
  default?: string;
}

/** A built-in action and its parameters (`GET /api/v1/actions`); `domains` null = any provider with an API base URL. */
export interface ActionInfo {
  name: string;
  displayName: string;
  description: string;
  domains: readonly string[] | null;
  params: readonly ActionParam[];
}

const text = (name: string, label: string): ActionParam => ({ name, label, required: true, kind: 'text' });

/** What {@link actions} take, described for builders; one entry per action, same order. */
export const actionCatalog: readonly ActionInfo[] = [
  {
    name: 'http.request',
    displayName: 'HTTP request',
    description: "Calls the connection's provider API; the path is resolved against its API base URL.",
    domains: null,
    params: [{ name: 'method', label: 'Method', required: false, kind: 'choice', options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'GET' }, text('path', 'Path')],
  },
  { name: 'slack.post_message', displayName: 'Slack: post a message', description: 'Posts a message to a Slack channel.', domains: ['slack'], params: [text('channel', 'Channel'), text('text', 'Text')] },
  {
    name: 'google.sheets.append_row',
    displayName: 'Google Sheets: append a row',
    description: 'Appends one row of values to a spreadsheet range.',
    domains: ['google'],
    params: [text('spreadsheetId', 'Spreadsheet ID'), text('range', 'Range'), { name: 'values', label: 'Values', required: true, kind: 'list' }],
  },
  { name: 'microsoft.mail.send', displayName: 'Microsoft: send an email', description: 'Sends an email from the connected mailbox.', domains: ['microsoft'], params: [text('to', 'To'), text('subject', 'Subject'), text('body', 'Body')] },
];

/** `POST /workflows/:id/run` (SPEC §7): every credential first, then the steps in order. */
export class RunsService {
  constructor(private readonly deps: { db: Db; clock: Clock; workflows: WorkflowsService; proxy: ProxyService }) {}

  async run(actor: Actor, id: string, input: unknown): Promise<RunResult> {
    const { workflow, nodes } = await this.deps.workflows.load(actor, id, { owner: true });
    const repo = new WorkflowsRepo(this.deps.db);
    const runId = newId('run');
    const broken: { nodeId: string; reason: string }[] = [];
    for (const node of nodes) {
      const reason = await this.deps.workflows.liveCheck(workflow, node);
      if (reason !== null) broken.push({ nodeId: node.id, reason });
    }
    if (broken.length > 0) {
      // No step runs: no partial side effects. The refused run is still recorded.
      await repo.insertRun({ id: runId, workflow_id: id, actor_id: actor.userId, status: 'failed', steps: JSON.stringify(broken.map((b) => ({ nodeId: b.nodeId, status: 'skipped', error: b.reason }))), created_at: this.deps.clock.now() });
      throw new AppError('credential_invalid', `This workflow cannot run: ${broken.map((b) => `step ${b.nodeId}: ${b.reason}`).join(' ')}`, { details: { runId, nodes: broken } });
    }
    const steps: StepResult[] = [];
    let failed = false;
    for (const node of nodes) {
      if (failed) {
        steps.push({ nodeId: node.id, status: 'skipped' });
        continue;
      }
      const step = await this.#execute(actor, workflow.id, node, input);
      steps.push(step);
      failed = step.status === 'failed';
    }
    const status = failed ? 'failed' : 'succeeded';
    await repo.insertRun({ id: runId, workflow_id: id, actor_id: actor.userId, status, steps: JSON.stringify(steps), created_at: this.deps.clock.now() });
    return { runId, status, steps };
  }

  async #execute(actor: Actor, workflowId: string, node: NodeRow, input: unknown): Promise<StepResult> {
    const action = actions[node.action];
    if (!action) return { nodeId: node.id, status: 'failed', error: `Unknown action "${node.action}".` };
    try {
      const request = action(node.params, input);
      const response = await this.deps.proxy.call(actor, node.connection_id ?? '', request, { workflowId, nodeId: node.id });
      const text = response.body.toString('utf8');
      let output: unknown = text;
      try {
        output = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      // Slack answers HTTP 200 with {ok:false} on failure.
      const slackFailure = typeof output === 'object' && output !== null && (output as { ok?: unknown }).ok === false;
      if (response.status >= 400 || slackFailure) {
        return { nodeId: node.id, status: 'failed', error: `The provider answered ${response.status}${slackFailure ? ` (${String((output as { error?: unknown }).error)})` : ''}.`, output };
      }
      return { nodeId: node.id, status: 'succeeded', output };
    } catch (err) {
      if (err instanceof AppError) return { nodeId: node.id, status: 'failed', error: err.message };
      throw err;
    }
  }
}
