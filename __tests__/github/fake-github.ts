/**
 * A local node:http server speaking the parts of GitHub's REST API the action uses: issue comments
 * (listed with Link pagination, created, updated), GET /user, commits/{sha}/pulls and pulls/{number}. Tokens decide
 * who is calling: a user (PAT), an installation (GITHUB_TOKEN: /user answers 403), or a fork's
 * read-only installation token (403 on every write). Every request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeJson } from '../../src/kit/http-server.js';
import type { AddressInfo } from 'node:net';

export interface FakeIdentity {
  login: string;
  type: 'User' | 'Bot';
  /** Installation tokens (GITHUB_TOKEN) cannot read /user. */
  installation: boolean;
  /** A fork's pull_request token: reads work, writes get 403. */
  readOnly?: boolean;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  issue: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  token: string | undefined;
}

export interface FakeGitHub {
  baseUrl: string;
  requests: RecordedRequest[];
  comments: FakeComment[];
  /** Pull requests returned for a commit sha. */
  pullsByCommit: Map<string, Array<{ number: number; state: string; head: { sha: string } }>>;
  /** Pull requests by number (`GET /repos/{owner}/{repo}/pulls/{number}`); 404 for any other. */
  pulls: Map<number, { number: number; state: string; head: { sha: string } }>;
  /** Largest page the server returns, whatever per_page asks (small, to exercise pagination). */
  pageSize: number;
  /** When set, requests whose path matches get this status (e.g. 500) instead of an answer. */
  failPaths: Array<{ pattern: RegExp; status: number }>;
  /** When set, requests whose path matches are never answered (to test timeouts). */
  hangPaths: RegExp[];
  addComment(issue: number, body: string, user: { login: string; type: string }): FakeComment;
  close(): Promise<void>;
}

const GITHUB_ACTIONS: FakeIdentity = { login: 'github-actions[bot]', type: 'Bot', installation: true };

export const TOKENS: Record<string, FakeIdentity> = {
  ghs_actions_token: GITHUB_ACTIONS,
  ghs_fork_token: { ...GITHUB_ACTIONS, readOnly: true },
  ghp_user_token: { login: 'release-bot-user', type: 'User', installation: false },
  ghs_other_app: { login: 'other-app[bot]', type: 'Bot', installation: true },
};

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000;
  const sockets = new Set<import('node:net').Socket>();
  const state = {
    requests: [] as RecordedRequest[],
    comments: [] as FakeComment[],
    pullsByCommit: new Map<string, Array<{ number: number; state: string; head: { sha: string } }>>(),
    pulls: new Map<number, { number: number; state: string; head: { sha: string } }>(),
    pageSize: 3,
    failPaths: [] as Array<{ pattern: RegExp; status: number }>,
    hangPaths: [] as RegExp[],
  };
  let baseUrl = '';
  const toApi = (c: FakeComment) => ({
    id: c.id,
    body: c.body,
    user: c.user,
    html_url: `https://github.example/o/r/pull/${c.issue}#issuecomment-${c.id}`,
    performed_via_github_app: c.user.type === 'Bot' ? { slug: c.user.login.replace('[bot]', '') } : null,
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const auth = req.headers.authorization ?? '';
      const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
      state.requests.push({ method: req.method ?? '', path: url.pathname, token });
      if (state.hangPaths.some((p) => p.test(url.pathname))) return; // never answered
      const failing = state.failPaths.find((f) => f.pattern.test(url.pathname));
      if (failing) return writeJson(res, failing.status, { message: 'Server Error' });
      const who = token ? TOKENS[token] : undefined;
      if (!who) return writeJson(res, 401, { message: 'Bad credentials' });

      if (req.method === 'GET' && url.pathname === '/user') {
        if (who.installation) {
          return writeJson(res, 403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          });
        }
        return writeJson(res, 200, { login: who.login, type: who.type });
      }

      let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const issue = Number(m[3]);
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), state.pageSize);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = state.comments.filter((c) => c.issue === issue);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const items = all.slice((page - 1) * perPage, page * perPage).map(toApi);
        const link = (p: number) => `<${baseUrl}${url.pathname}?per_page=${perPage}&page=${p}>`;
        const rels: string[] = [];
        if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
        if (page > 1) rels.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
        return writeJson(res, 200, items, rels.length > 0 ? { link: rels.join(', ') } : {});
      }
      if (m && req.method === 'POST') {
        if (who.readOnly) return writeJson(res, 403, { message: 'Resource not accessible by integration' });
        const body = await readBody(req);
        const comment = addComment(Number(m[3]), String(body['body'] ?? ''), {
          login: who.login,
          type: who.type,
        });
        return writeJson(res, 201, toApi(comment));
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (m && req.method === 'PATCH') {
        if (who.readOnly) return writeJson(res, 403, { message: 'Resource not accessible by integration' });
        const comment = state.comments.find((c) => c.id === Number(m![3]));
        if (!comment) return writeJson(res, 404, { message: 'Not Found' });
        if (comment.user.login !== who.login) return writeJson(res, 403, { message: 'Must be the author' });
        const body = await readBody(req);
        comment.body = String(body['body'] ?? '');
        return writeJson(res, 200, toApi(comment));
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/pulls$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        return writeJson(res, 200, state.pullsByCommit.get(m[3]!) ?? []);
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const pull = state.pulls.get(Number(m[3]));
        return pull ? writeJson(res, 200, pull) : writeJson(res, 404, { message: 'Not Found' });
      }
      return writeJson(res, 404, { message: 'Not Found' });
    })().catch((error: unknown) => writeJson(res, 500, { message: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function addComment(issue: number, body: string, user: { login: string; type: string }): FakeComment {
    const comment = { id: nextId++, body, user, issue };
    state.comments.push(comment);
    return comment;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    baseUrl,
    addComment,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
