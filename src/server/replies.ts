/**
 * Sends a connection's responses on its stream. A result that cannot be encoded (a cycle, a
 * BigInt in JSON mode) is replaced by an internal error for that id, so the client is still
 * answered (docs/protocol.md).
 */
import { errorMessage, type ResponseMessage } from '../protocol/message.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { MessageStream } from '../stream/message-stream.js';

/** Sends one response, or the internal error for its id when it cannot be encoded. */
export function sendReply(stream: MessageStream, response: ResponseMessage): void {
  try {
    stream.send(response);
  } catch {
    stream.send(unencodable(response));
  }
}

/** Sends a batch's responses as one array, each unencodable one replaced by its internal error. */
export function sendReplies(stream: MessageStream, responses: ResponseMessage[]): void {
  try {
    stream.send(responses);
  } catch {
    stream.send(responses.map((r) => (encodable(r) ? r : unencodable(r))));
  }
}

function encodable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

function unencodable(response: ResponseMessage): ResponseMessage {
  return errorMessage(response.id, { code: ErrorCodes.InternalError, message: 'internal error: the result cannot be encoded as JSON' });
}
