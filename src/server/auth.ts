// SigV4 presence checks. Signatures are not verified (any credentials work); what the header or
// query string names is used to pick the caller's account and region.
import { KinesisError } from '../core/errors.js';

export interface Credentials {
  accessKeyId?: string;
  region?: string;
}

const HEADER_PARTS = ['Credential', 'Signature', 'SignedHeaders'] as const;
const QUERY_PARTS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

function parseCredential(credential: string | undefined): Credentials {
  // Credential = <access key id>/<date>/<region>/<service>/aws4_request
  const parts = credential?.split('/') ?? [];
  return { ...(parts[0] ? { accessKeyId: parts[0] } : {}), ...(parts[2] ? { region: parts[2] } : {}) };
}

/** Checks that the request is signed in form; throws the service's authentication errors. */
export function readCredentials(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): Credentials {
  const authorization = headers['authorization'];
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const inQuery = query.has('X-Amz-Algorithm');
  if (header !== undefined && inQuery) {
    throw new KinesisError('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (header !== undefined) {
    const fields = new Map<string, string>();
    for (const token of header.trim().split(/[\s,]+/).slice(1)) {
      const eq = token.indexOf('=');
      if (eq > 0) fields.set(token.slice(0, eq), token.slice(eq + 1));
    }
    let message = '';
    for (const part of HEADER_PARTS) {
      if (!fields.get(part)) message += `Authorization header requires '${part}' parameter. `;
    }
    if (headers['x-amz-date'] === undefined && headers['date'] === undefined) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message) throw new KinesisError('IncompleteSignatureException', `${message}Authorization=${header}`);
    return parseCredential(fields.get('Credential'));
  }
  if (inQuery) {
    let message = '';
    for (const part of QUERY_PARTS) {
      if (!query.get(part)) message += `AWS query-string parameters must include '${part}'. `;
    }
    if (message) throw new KinesisError('IncompleteSignatureException', `${message}Re-examine the query-string parameters.`);
    return parseCredential(query.get('X-Amz-Credential') ?? undefined);
  }
  throw new KinesisError('MissingAuthenticationTokenException', 'Missing Authentication Token');
}
