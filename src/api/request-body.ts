/**
 * Reads a JSON request body defensively: the content type must be JSON, the size is checked against the
 * declared Content-Length before reading and again while reading (reading stops at the limit), and the
 * bytes must be UTF-8 and parse as JSON. Every refusal says exactly what was wrong.
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../contract/index.js';
import { readBodyBytes } from '../kit/http-server.js';

export type BodyResult =
  | { ok: true; value: unknown }
  | {
      ok: false;
      status: 400 | 413 | 415;
      error: ErrorCode;
      message: string;
      /** The rest of the body was not read: the caller must discard it (or close the connection). */
      unread: boolean;
    };

/** Stateless without `stream: true`, so one decoder serves every request. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return {
      ok: false,
      status: 415,
      error: 'unsupported_media_type',
      message: mediaType
        ? `Content-Type must be application/json, got ${mediaType.slice(0, 100)}`
        : 'Content-Type must be application/json (header missing)',
      unread: true,
    };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes)
    return tooLarge(maxBytes, `${declared} bytes declared`);

  const read = await readBodyBytes(req, maxBytes);
  if (read === 'too-large') return tooLarge(maxBytes, 'body kept coming');
  if (read === 'aborted')
    return {
      ok: false,
      status: 400,
      error: 'invalid_request',
      message: 'request body was cut off',
      unread: true,
    };

  if (read.length === 0)
    return invalid(
      'request body is empty; expected a JSON object with question, conversation_id, client_id, nickname',
    );
  let text: string;
  try {
    text = UTF8.decode(read);
  } catch {
    return invalid('request body is not valid UTF-8');
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return invalid(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number, detail: string): BodyResult {
  return {
    ok: false,
    status: 413,
    error: 'payload_too_large',
    message: `request body must be at most ${maxBytes} bytes (${detail})`,
    unread: true,
  };
}

function invalid(message: string): BodyResult {
  return { ok: false, status: 400, error: 'invalid_request', message, unread: false };
}
